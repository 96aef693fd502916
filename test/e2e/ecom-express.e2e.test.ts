/**
 * eCom express checkout in a real browser: Debian's Chromium (playwright-core) opens the initiate
 * `url`, continues to the simulated app, picks a shipping method that the local merchant server
 * offered through its shipping-details endpoint, approves with the PIN and lands on fallBack; the
 * merchant gets the RESERVE callback with the user's and the shipping details, and later the
 * consent removal that the user triggers in the app.
 */
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, launchPhoneBrowser, SCREENSHOTS } from '../helpers/browser.js';
import { skipNote } from '../helpers/skip.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { startMerchant } from '../helpers/merchant.js';

const skipReason = browserSkipReason('eCom express browser test');

describe.skipIf(skipReason !== undefined)(`eCom express checkout in Chromium${skipNote(skipReason)}`, () => {
  let emu: TestEmulator;
  let browser: BrowserContext;
  let closeBrowser: (() => Promise<void>) | undefined;
  let shop: Awaited<ReturnType<typeof startMerchant>>;

  beforeAll(async () => {
    emu = await startTestEmulator();
    shop = await startMerchant();
    ({ browser, close: closeBrowser } = await launchPhoneBrowser());
  });

  afterAll(async () => {
    await closeBrowser?.();
    await shop?.close();
    await emu?.close();
  });

  it('chooses a shipping method in the app, pays, returns to fallBack; the callback carries user and shipping details', async () => {
    const orderId = `express-${Math.random().toString(36).slice(2, 10)}`;
    const init = await emu.call('POST', '/ecomm/v2/payments', {
      body: {
        customerInfo: { mobileNumber: '97777776' },
        merchantInfo: {
          merchantSerialNumber: emu.merchant.msn,
          callbackPrefix: `${shop.base}/vipps/callbacks`,
          shippingDetailsPrefix: `${shop.base}/vipps/shipping`,
          consentRemovalPrefix: `${shop.base}/vipps/consents`,
          fallBack: `${shop.base}/fallback/${orderId}`,
          authToken: 'Bearer merchant-secret',
          paymentType: 'eComm Express Payment',
        },
        transaction: { orderId, amount: 49900, transactionText: 'Wool socks', useExplicitCheckoutFlow: true },
      },
    });
    expect(init.status, init.text).toBe(200);

    const page = await browser.newPage();
    await page.goto(init.body.url);
    await page.waitForURL(/\/landing\?token=/);
    expect(await page.getByTestId('amount').textContent()).toBe('499,00 kr');
    expect(await page.locator('#phoneNumber').inputValue()).toBe('4797777776'); // pre-filled from customerInfo.mobileNumber
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${emu.url}/app/4797777776`);

    const card = page.locator(`[data-testid="request"][data-reference="${orderId}"]`);
    await expect.poll(() => card.count()).toBe(1);
    // The shipping methods came from the merchant's shipping-details endpoint, sorted by priority.
    expect(shop.shippingRequests()).toHaveLength(1);
    expect(shop.shippingRequests()[0]!.headers.authorization).toBe('Bearer merchant-secret');
    const labels = await card.getByTestId('shipping').locator('label').allTextContents();
    expect(labels.map((l) => l.trim())).toEqual(['Walking — 99.00 kr', 'Running — 199.00 kr']);
    expect(await card.getByTestId('shipping-123abc').isChecked()).toBe(true); // the default one
    await card.getByTestId('shipping-321abc').check();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'ecom-express-shipping.png'), fullPage: true });

    await card.locator('input[name="pin"]').fill('1236');
    await card.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${shop.base}/fallback/${orderId}`);

    await shop.until(() => shop.callbacks(orderId).length === 1);
    const cb = shop.callbacks(orderId)[0]!;
    expect(cb.headers.authorization).toBe('Bearer merchant-secret');
    expect(cb.json.transactionInfo).toMatchObject({ status: 'RESERVE', amount: 49900 + 19900 });
    expect(cb.json.shippingDetails).toMatchObject({ shippingMethod: 'Running', shippingMethodId: '321abc', shippingCost: 199 });
    expect(cb.json.userDetails).toMatchObject({ mobileNumber: '97777776', firstName: 'Willhelm Fos' });
    const details = await emu.call('GET', `/ecomm/v2/payments/${orderId}/details`);
    expect(details.body.transactionLogHistory[0].operation).toBe('RESERVE');
    expect(details.body.shippingDetails.shippingMethodId).toBe('321abc');

    // Profile → "Companies that remember you": remove consent → DELETE consentRemovalPrefix/v2/consents/{userId}.
    await page.goto(`${emu.url}/app/4797777776`);
    await page.locator(`[data-testid="history"] li[data-reference="${orderId}"]`).getByTestId('remove-consent').click();
    await expect.poll(() => shop.consentRemovals().length).toBe(1);
    expect(shop.consentRemovals()[0]!.path).toBe(`/vipps/consents/v2/consents/${encodeURIComponent(cb.json.userDetails.userId)}`);
    expect(await page.getByRole('status').first().textContent()).toContain('Consent removed');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'ecom-consent-removed.png'), fullPage: true });
    await page.close();
  });
});
