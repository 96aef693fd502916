/**
 * Order Management in the simulated app, in a real browser: a shop uploads a real JPEG (Chromium's
 * own screenshot) and sends a category and a receipt for an approved ePayment payment; the user's
 * app history shows the image, the receipt's lines, VAT and total, and the category's button.
 */
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, launchPhoneBrowser, SCREENSHOTS } from '../helpers/browser.js';
import { skipNote } from '../helpers/skip.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const skipReason = browserSkipReason('Order Management browser test');

describe.skipIf(skipReason !== undefined)(`Order Management in the app's history, in Chromium${skipNote(skipReason)}`, () => {
  let emu: TestEmulator;
  let browser: BrowserContext;
  let closeBrowser: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    emu = await startTestEmulator();
    ({ browser, close: closeBrowser } = await launchPhoneBrowser());
  });
  afterAll(async () => {
    await closeBrowser?.();
    await emu?.close();
  });

  it('shows the receipt, the category link and the image under the payment', async () => {
    const page = await browser.newPage();
    await page.goto(`${emu.url}/app`);
    const jpeg = await page.screenshot({ type: 'jpeg', quality: 70, clip: { x: 0, y: 0, width: 300, height: 300 } });
    expect(jpeg.subarray(0, 3).toString('hex')).toBe('ffd8ff'); // a real JPEG
    expect((await emu.call('POST', '/order-management/v1/images', { body: { imageId: 'shop-logo', src: jpeg.toString('base64'), type: 'base64' } })).status).toBe(200);

    const { reference } = await emu.createPayment({ userFlow: 'PUSH_MESSAGE', customer: { phoneNumber: '4797777776' }, amount: { currency: 'NOK', value: 14900 }, returnUrl: undefined });
    expect((await emu.call('POST', `/devkit/v1/payments/${reference}/approve`, { body: { phoneNumber: '4797777776' } })).status).toBe(200);
    const receipt = {
      orderLines: [
        { name: 'Wool socks', id: 'socks', totalAmount: 10000, totalAmountExcludingTax: 8000, totalTaxAmount: 2000, taxRate: 2500, unitInfo: { unitPrice: 5000, quantity: '2', quantityUnit: 'PCS' } },
        { name: 'Posten', id: 'ship', totalAmount: 4900, totalAmountExcludingTax: 3920, totalTaxAmount: 980, taxRate: 2500, isShipping: true },
      ],
      bottomLine: { currency: 'NOK', receiptNumber: 'K-1001' },
    };
    expect((await emu.call('POST', `/order-management/v2/ecom/receipts/${reference}`, { body: receipt })).status).toBe(201);
    expect((await emu.call('PUT', `/order-management/v2/ecom/categories/${reference}`, { body: { category: 'DELIVERY', orderDetailsUrl: 'https://shop.example/track/1001', imageId: 'shop-logo' } })).status).toBe(200);

    await page.goto(`${emu.url}/app/4797777776`);
    const item = page.locator(`[data-testid="history"] li[data-reference="${reference}"]`);
    await item.getByTestId('receipt').locator('summary').click();
    expect(await item.getByTestId('receipt-line').allTextContents()).toEqual([expect.stringContaining('2 × Wool socks'), expect.stringContaining('Posten (shipping)')]);
    expect(await item.getByTestId('receipt-total').textContent()).toBe('149,00 kr');
    expect(await item.getByTestId('receipt-vat').textContent()).toBe('29,80 kr');
    const link = item.getByTestId('category-link');
    expect(await link.textContent()).toBe('Track delivery');
    expect(await link.getAttribute('href')).toBe('https://shop.example/track/1001');
    // The image decoded and drew (naturalWidth > 0): it is the uploaded JPEG.
    await expect.poll(() => item.getByTestId('order-image').evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).complete && (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(300);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'app-history-receipt.png'), fullPage: true });
    await page.close();
  });

  it("shows an eCom order's receipt in the history too", async () => {
    const orderId = `ecom-om-${Math.random().toString(36).slice(2, 10)}`;
    const init = await emu.call('POST', '/ecomm/v2/payments', {
      body: {
        customerInfo: { mobileNumber: '97777776' },
        merchantInfo: { merchantSerialNumber: emu.merchant.msn, callbackPrefix: 'http://127.0.0.1:9/cb', fallBack: `http://127.0.0.1:9/fallback/${orderId}` },
        transaction: { orderId, amount: 2500, transactionText: 'Coffee' },
      },
    });
    expect(init.status, init.text).toBe(200);
    expect((await emu.call('POST', `/devkit/v1/ecom/payments/${orderId}/approve`, { body: { phoneNumber: '4797777776' } })).status).toBe(200);
    const receipt = { orderLines: [{ name: 'Coffee', id: 'coffee', totalAmount: 2500, totalAmountExcludingTax: 2232, totalTaxAmount: 268, taxRate: 1200 }], bottomLine: { currency: 'NOK' } };
    expect((await emu.call('POST', `/order-management/v2/eCom/receipts/${orderId}`, { body: receipt })).status).toBe(201);
    const page = await browser.newPage();
    await page.goto(`${emu.url}/app/4797777776`);
    const item = page.locator(`[data-testid="history"] li[data-reference="${orderId}"]`);
    await item.getByTestId('receipt').locator('summary').click();
    expect(await item.getByTestId('receipt-line').allTextContents()).toEqual([expect.stringContaining('Coffee')]);
    expect(await item.getByTestId('receipt-vat').textContent()).toBe('2,68 kr');
    expect(await item.getByTestId('category-link').count()).toBe(0);
    await page.close();
  });
});
