/**
 * Checkout v3 in a real browser: Debian's Chromium (playwright-core) opens the hosted checkout page
 * as the shop would send its customer there, fills in the address, gets the shop's dynamic
 * shipping options from its local callback, pays with the simulated Vipps app (landing page,
 * app, PIN) and returns to the shop; the shop gets the session callback. A second customer pays
 * with a declined test card, sees why, cancels and returns.
 */
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, launchPhoneBrowser, SCREENSHOTS } from '../helpers/browser.js';
import { skipNote } from '../helpers/skip.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { createSession, getSession, newReference, sessionBody, startShop } from '../apis/checkout/helpers.js';

const skipReason = browserSkipReason('Checkout browser test');

describe.skipIf(skipReason !== undefined)(`Checkout's hosted page in Chromium${skipNote(skipReason)}`, () => {
  let emu: TestEmulator;
  let browser: BrowserContext;
  let closeBrowser: (() => Promise<void>) | undefined;
  let shop: Awaited<ReturnType<typeof startShop>>;

  beforeAll(async () => {
    emu = await startTestEmulator();
    shop = await startShop({
      dynamicOptions: [
        { brand: 'HELTHJEM', type: 'HOME_DELIVERY', id: 'hh-home', priority: 1, isDefault: false, amount: { value: 6900, currency: 'NOK' } },
        { brand: 'POSTNORD', type: 'PICKUP_POINT', id: 'pn-pickup', priority: 0, isDefault: true, amount: { value: 3900, currency: 'NOK' }, description: 'Nearest kiosk' },
      ],
    });
    ({ browser, close: closeBrowser } = await launchPhoneBrowser());
  });

  afterAll(async () => {
    await closeBrowser?.();
    await shop?.close();
    await emu?.close();
  });

  const open = async (token: string) => {
    const page = await browser.newPage();
    await page.goto(`${emu.url}/vippscheckout/v1/?token=${encodeURIComponent(token)}`);
    return page;
  };

  it('address, dynamic shipping from the shop, pay with the Vipps app, back to the shop; the shop is called back', async () => {
    const reference = newReference();
    const body = sessionBody(reference, shop, {
      merchantInfo: { callbackUrl: shop.callbackUrl, returnUrl: `${shop.returnUrl}?order=${reference}`, callbackAuthorizationToken: 'shop-secret-7' },
      prefillCustomer: { firstName: 'Ola', lastName: 'Nordmann', email: 'ola@example.com', phoneNumber: '+4797777776' },
    });
    const created = await createSession(emu, body);
    expect(created.status, created.text).toBe(200);
    const page = await open(created.body.token);
    expect(await page.locator('#firstName').inputValue()).toBe('Ola'); // prefilled
    await page.locator('#streetAddress').fill('Robert Levins gate 5');
    await page.locator('#postalCode').fill('0150');
    await page.locator('#city').fill('Oslo');
    await page.getByTestId('save-details').click();
    // The options came from the shop's dynamic callback, sorted by priority, its default chosen.
    await expect.poll(() => page.getByTestId('shipping').count()).toBe(1);
    expect(shop.received.filter((r) => r.path === '/shipping').at(-1)?.json).toEqual({ streetAddress: 'Robert Levins gate 5', postalCode: '0150', region: 'Oslo', country: 'NO' });
    const labels = (await page.getByTestId('shipping').locator('label').allTextContents()).map((l) => l.trim().replace(/\s+/g, ' '));
    expect(labels[0]).toContain('PostNord pick-up point');
    expect(labels[1]).toContain('Helthjem home delivery');
    expect(await page.getByTestId('option-pn-pickup').isChecked()).toBe(true);
    await page.getByTestId('option-hh-home').check();
    await page.getByTestId('choose-shipping').click();
    await expect.poll(() => page.getByTestId('total').textContent()).toBe('269,00 kr');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'checkout-page.png'), fullPage: true });

    await page.getByTestId('pay-vipps').click();
    await page.waitForURL(/\/landing\?token=/);
    expect(await page.locator('#phoneNumber').inputValue()).toBe('4797777776');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${emu.url}/app/4797777776`);
    const card = page.locator(`[data-testid="request"][data-reference="${reference}"]`);
    await card.locator('input[name="pin"]').fill('1236');
    await card.getByRole('button', { name: 'Approve' }).click();
    // Back on the checkout page: paid; then to the shop.
    await page.waitForURL(/\/vippscheckout\/v1\/\?token=/);
    expect(await page.getByTestId('result').getAttribute('data-state')).toBe('PaymentSuccessful');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'checkout-paid.png'), fullPage: true });
    await page.getByTestId('return').click();
    await page.waitForURL(`${shop.returnUrl}?order=${reference}`);

    const session = await getSession(emu, reference);
    expect(session.body).toMatchObject({ sessionState: 'PaymentSuccessful', paymentMethod: 'Wallet', paymentDetails: { state: 'AUTHORIZED', amount: { value: 26900 } }, shippingDetails: { shippingMethodId: 'hh-home', streetAddress: 'Robert Levins gate 5' } });
    await expect.poll(() => shop.callbacks().filter((c) => c.json?.reference === reference).length, { timeout: 10_000 }).toBe(1);
    const callback = shop.callbacks().find((c) => c.json?.reference === reference)!;
    expect(callback.headers.authorization).toBe('shop-secret-7');
    expect(callback.json.sessionState).toBe('PaymentSuccessful');
    await page.close();
  });

  it('a declined test card: the page says why, the customer cancels and returns; the session is terminated', async () => {
    const reference = newReference();
    const created = await createSession(emu, sessionBody(reference, shop, {
      merchantInfo: { callbackUrl: shop.callbackUrl, returnUrl: `${shop.returnUrl}?order=${reference}`, callbackAuthorizationToken: 'shop-secret-8' },
      logistics: null,
      configuration: { elements: 'PaymentAndContactInfo' },
    }));
    const page = await open(created.body.token);
    await page.locator('#firstName').fill('Kari');
    await page.locator('#lastName').fill('Nordmann');
    await page.locator('#email').fill('kari@example.com');
    await page.locator('#phoneNumber').fill('97777777');
    await page.getByTestId('save-details').click();
    await page.getByTestId('pay-card').click();
    await page.locator('#number').fill('4000 0000 0000 0002');
    await page.locator('#expiry').fill('12/39');
    await page.locator('#cvc').fill('123');
    await page.getByTestId('pay-with-card').click();
    await expect.poll(() => page.getByTestId('declined').textContent()).toContain('Refused by issuer');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'checkout-declined.png'), fullPage: true });
    expect((await getSession(emu, reference)).body).toMatchObject({ sessionState: 'PaymentInitiated', paymentMethod: 'Card', paymentDetails: { state: 'CREATED' } });
    await page.getByTestId('cancel').click();
    expect(await page.getByTestId('result').getAttribute('data-state')).toBe('PaymentTerminated');
    await page.getByTestId('return').click();
    await page.waitForURL(`${shop.returnUrl}?order=${reference}`);
    expect((await getSession(emu, reference)).body).toMatchObject({ sessionState: 'PaymentTerminated', paymentDetails: { state: 'TERMINATED' } });
    await expect.poll(() => shop.callbacks().filter((c) => c.json?.reference === reference).map((c) => c.json.sessionState), { timeout: 10_000 }).toEqual(['PaymentTerminated']);
    await page.close();
  });
});
