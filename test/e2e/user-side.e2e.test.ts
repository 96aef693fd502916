/**
 * The user side in a real browser: Debian's Chromium driven by playwright-core against the
 * emulator on 127.0.0.1, with a real local merchant page to return to.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, launchPhoneBrowser, SCREENSHOTS } from '../helpers/browser.js';
import { skipNote } from '../helpers/skip.js';
import { http, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const skipReason = browserSkipReason('user-side browser tests');

const nok = (value: number) => ({ currency: 'NOK', value });

describe.skipIf(skipReason !== undefined)(`the user side in Chromium${skipNote(skipReason)}`, () => {
  let emu: TestEmulator;
  let browser: BrowserContext;
  let closeBrowser: (() => Promise<void>) | undefined;
  let shop: Server;
  let shopUrl = '';
  const shopHits: string[] = [];

  beforeAll(async () => {
    emu = await startTestEmulator();
    // The merchant's own page that the browser returns to.
    shop = createServer((req, res) => {
      shopHits.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>Shop</title><h1 id="shop">Thank you for shopping</h1><p id="url">${encodeURI(req.url ?? '')}</p>`);
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
    ({ browser, close: closeBrowser } = await launchPhoneBrowser());
  });

  afterAll(async () => {
    await closeBrowser?.();
    await new Promise((resolve) => (shop ? shop.close(resolve) : resolve(undefined)));
    await emu?.close();
  });

  const state = async (reference: string) => (await emu.call('GET', `/epayment/v1/payments/${reference}`)).body.state as string;
  const eventLog = async (reference: string) => ((await emu.call('GET', `/epayment/v1/payments/${reference}/events`)).body as any[]).map((e) => `${e.name}:${e.success}`);
  const webPayment = async (overrides: Record<string, unknown> = {}) => {
    const reference = `web-${Math.random().toString(36).slice(2, 12)}`;
    const { response } = await emu.createPayment({ reference, returnUrl: `${shopUrl}/return?order=${reference}`, ...overrides });
    expect(response.status).toBe(201);
    return { reference, redirectUrl: response.body.redirectUrl as string | undefined };
  };
  const newPage = async (): Promise<Page> => {
    const page = await browser.newPage();
    page.on('dialog', (d) => void d.dismiss());
    return page;
  };
  const requestCard = (page: Page, reference: string) => page.locator(`[data-testid="request"][data-reference="${reference}"]`);

  it('pays through the landing page with the PIN and returns to the merchant', async () => {
    const { reference, redirectUrl } = await webPayment({ customer: { phoneNumber: '4791234567' }, paymentDescription: 'Wool socks, 2 pairs' });
    const page = await newPage();
    await page.goto(redirectUrl!);
    await expect.poll(() => page.getByTestId('merchant').textContent()).toBe('Devkit Test Shop');
    expect(await page.getByTestId('amount').textContent()).toBe('10,00 kr');
    expect(await page.getByTestId('description').textContent()).toBe('Wool socks, 2 pairs');
    expect(await page.locator('#phoneNumber').inputValue()).toBe('4791234567'); // pre-filled from customer.phoneNumber
    await page.screenshot({ path: path.join(SCREENSHOTS, 'landing-page.png'), fullPage: true });

    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${emu.url}/app/4791234567`);
    const card = requestCard(page, reference);
    await expect.poll(() => card.count()).toBe(1);
    expect(await card.textContent()).toContain('Wool socks, 2 pairs');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'app-inbox.png'), fullPage: true });

    await card.locator('input[name="pin"]').fill('1236');
    await card.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${shopUrl}/return?order=${reference}`);
    expect(await page.locator('#shop').textContent()).toBe('Thank you for shopping');
    expect(shopHits).toContain(`/return?order=${reference}`);
    expect(await state(reference)).toBe('AUTHORIZED');

    // The app's history shows it as paid.
    await page.goto(`${emu.url}/app/4791234567`);
    expect(await page.locator(`[data-testid="history"] li[data-reference="${reference}"] [data-state]`).getAttribute('data-state')).toBe('AUTHORIZED');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'app-history.png'), fullPage: true });
    await page.close();
  });

  it('refuses a wrong PIN, then accepts the right one', async () => {
    const { reference, redirectUrl } = await webPayment();
    const page = await newPage();
    await page.goto(redirectUrl!);
    expect(await page.locator('#phoneNumber').inputValue()).toBe(''); // no customer: nothing pre-filled
    await page.locator('#phoneNumber').fill('977 77 776');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${emu.url}/app/4797777776`);

    await requestCard(page, reference).locator('input[name="pin"]').fill('0000');
    await requestCard(page, reference).getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('Wrong PIN');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'app-wrong-pin.png'), fullPage: true });
    expect(await state(reference)).toBe('CREATED');

    await requestCard(page, reference).locator('input[name="pin"]').fill('1236');
    await requestCard(page, reference).getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${shopUrl}/return?order=${reference}`);
    expect(await state(reference)).toBe('AUTHORIZED');
    await page.close();
  });

  it('rejects in the app and returns to the merchant; the payment is ABORTED', async () => {
    const { reference, redirectUrl } = await webPayment({ customer: { phoneNumber: '4746123456' } });
    const page = await newPage();
    await page.goto(redirectUrl!);
    await page.getByRole('button', { name: 'Continue' }).click();
    await requestCard(page, reference).getByRole('button', { name: 'Reject' }).click();
    await page.waitForURL(`${shopUrl}/return?order=${reference}`);
    expect(await state(reference)).toBe('ABORTED');
    await page.close();
  });

  it('tells an unknown number clearly, and "cancel" on the landing page aborts', async () => {
    const { reference, redirectUrl } = await webPayment();
    const page = await newPage();
    await page.goto(redirectUrl!);
    await page.locator('#phoneNumber').fill('41111111');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('+47 411 11 111 is not a Vipps user');
    expect(await state(reference)).toBe('CREATED');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(`${shopUrl}/return?order=${reference}`);
    expect(await state(reference)).toBe('ABORTED');
    await page.close();
  });

  it('a PUSH_MESSAGE payment appears straight in the customer app inbox', async () => {
    const { reference, response } = await emu.createPayment({ userFlow: 'PUSH_MESSAGE', customer: { phoneNumber: '4793456789' }, returnUrl: undefined, paymentDescription: 'Parking, 2 hours' });
    expect(response.body.redirectUrl).toBeUndefined();
    const page = await newPage();
    await page.goto(`${emu.url}/app`);
    await page.locator('#phone').fill('93456789');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${emu.url}/app/4793456789`);
    const card = requestCard(page, reference);
    expect(await card.textContent()).toContain('Parking, 2 hours');
    await card.locator('input[name="pin"]').fill('1236');
    await card.getByRole('button', { name: 'Approve' }).click();
    // No redirect for push payments: the confirmation is in the app.
    await page.waitForURL(/\/app\/4793456789\?notice=approved/);
    expect(await page.getByRole('status').first().textContent()).toContain(`Payment ${reference} approved`);
    expect(await state(reference)).toBe('AUTHORIZED');
    await page.close();
  });

  it('a test amount fails at approval with its reason, shown in the app, the state and the event log', async () => {
    const { reference, redirectUrl } = await webPayment({ amount: nok(151), customer: { phoneNumber: '4798765432' } });
    const page = await newPage();
    await page.goto(redirectUrl!);
    await page.getByRole('button', { name: 'Continue' }).click();
    await requestCard(page, reference).locator('input[name="pin"]').fill('1236');
    await requestCard(page, reference).getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('Payment failed: Insufficient funds');
    expect(await requestCard(page, reference).getByTestId('decline').textContent()).toContain('Insufficient funds');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'app-test-amount-declined.png'), fullPage: true });
    expect(page.url()).not.toContain(shopUrl);
    expect(await state(reference)).toBe('CREATED');
    expect(await eventLog(reference)).toEqual(['CREATED:true', 'AUTHORIZED:false']);
    await page.close();
  });

  it('NATIVE_REDIRECT opens the app-switch stand-in, then returns to the merchant', async () => {
    const { reference, redirectUrl } = await webPayment({ userFlow: 'NATIVE_REDIRECT', customer: { phoneNumber: '4791234567' } });
    expect(redirectUrl).toContain('/app-switch?token=');
    const page = await newPage();
    await page.goto(redirectUrl!);
    await page.getByRole('button', { name: 'Open in the Vipps app' }).click();
    await page.waitForURL(`${emu.url}/app/4791234567`);
    await requestCard(page, reference).locator('input[name="pin"]').fill('1236');
    await requestCard(page, reference).getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${shopUrl}/return?order=${reference}`);
    expect(await state(reference)).toBe('AUTHORIZED');
    await page.close();
  });

  it('QR: the image is served, and the app "scans" the pasted link', async () => {
    const { reference, response } = await emu.createPayment({ userFlow: 'QR', returnUrl: undefined });
    const qrLink = response.body.redirectUrl as string;
    const page = await newPage();
    const image = await page.goto(qrLink);
    expect(image!.headers()['content-type']).toContain('image/svg+xml');
    await page.goto(`${emu.url}/app/4746123456`);
    await page.locator('#link').fill(qrLink);
    await page.getByRole('button', { name: 'Scan' }).click();
    await page.waitForURL(`${emu.url}/app/4746123456`);
    await requestCard(page, reference).locator('input[name="pin"]').fill('1236');
    await requestCard(page, reference).getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(/notice=approved/);
    expect(await state(reference)).toBe('AUTHORIZED');
    await page.close();
  });

  it('shows a merchant name and description with <script> and quotes as text, never running them', async () => {
    const name = `Evil "Shop" <script>window.__pwned = 'name'</script><img src=x onerror="window.__pwned='img'">`;
    const description = `<script>window.__pwned='desc'</script> "double" 'single'`;
    const created = await http(`${emu.url}/devkit/v1/merchants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
    expect(created.status).toBe(201);
    const merchant = emu.ctx.merchants.get(created.body.msn)!;
    const token = await emu.fetchToken(merchant);
    const reference = `xss-${Math.random().toString(36).slice(2, 10)}`;
    const res = await http(`${emu.url}/epayment/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'ocp-apim-subscription-key': merchant.subscriptionKey, 'merchant-serial-number': merchant.msn, 'idempotency-key': reference, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: nok(1000), paymentMethod: { type: 'WALLET' }, reference, userFlow: 'WEB_REDIRECT', returnUrl: `${shopUrl}/return`, paymentDescription: description, customer: { phoneNumber: '4797777776' } }),
    });
    expect(res.status).toBe(201);

    const page = await newPage();
    await page.goto(res.body.redirectUrl);
    expect(await page.getByTestId('merchant').textContent()).toBe(name);
    expect(await page.getByTestId('description').textContent()).toBe(description);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as any).__pwned)).toBeUndefined();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'landing-page-html-injection.png'), fullPage: true });

    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${emu.url}/app/4797777776`);
    const card = requestCard(page, reference);
    expect(await card.locator('.merchant').textContent()).toBe(name);
    expect(await card.locator('.desc').textContent()).toBe(description);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as any).__pwned)).toBeUndefined();
    await page.close();
  });
});
