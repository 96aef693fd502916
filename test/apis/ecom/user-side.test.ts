/**
 * The user side for eCom payments over HTTP (forms, no browser): the initiate url, the landing
 * page, the app's second five minutes, cancel on the landing page, test amounts, fallBack.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { startMerchant } from '../../helpers/merchant.js';

let em: TestEmulator;
let shop: Awaited<ReturnType<typeof startMerchant>>;

beforeAll(async () => {
  em = await startTestEmulator();
  shop = await startMerchant();
});
afterAll(async () => {
  await em?.close();
  await shop?.close();
});

async function initiate(transaction: Record<string, unknown> = {}, customerInfo: Record<string, unknown> = {}) {
  const orderId = `user-${randomUUID().slice(0, 12)}`;
  const res = await em.call('POST', '/ecomm/v2/payments', {
    body: {
      customerInfo,
      merchantInfo: { merchantSerialNumber: em.merchant.msn, callbackPrefix: `${shop.base}/cb`, fallBack: `${shop.base}/fallback/${orderId}` },
      transaction: { orderId, amount: 30000, transactionText: 'Knitted hat', ...transaction },
    },
  });
  expect(res.status, res.text).toBe(200);
  const token = String(res.body.url).split('=', 3)[2]!;
  return { orderId, url: res.body.url as string, token };
}

const form = (path: string, fields: Record<string, string>) =>
  fetch(`${em.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
const status = async (orderId: string) => (await em.call('GET', `/ecomm/v2/payments/${orderId}/status`)).body.transactionInfo.status as string;

describe('eCom payments on the user side', () => {
  it('the initiate url opens the landing page, pre-filled from customerInfo.mobileNumber', async () => {
    const { url, token } = await initiate({}, { mobileNumber: '91234567' });
    const first = await fetch(url, { redirect: 'manual' });
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe(`/landing?token=${token}`);
    const page = await fetch(`${em.url}/landing?token=${token}`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('300,00 kr');
    expect(html).toContain('Knitted hat');
    expect(html).toContain('value="4791234567"');
  });

  it('continue puts it in the app and gives the user another 5 minutes (10 at most)', async () => {
    const { orderId, token } = await initiate();
    await em.ctx.clock.advance(4 * 60_000);
    const cont = await form('/landing', { token, phoneNumber: '97777776', action: 'continue' });
    expect(cont.status).toBe(303);
    expect(cont.headers.get('location')).toBe('/app/4797777776');
    const app = await (await fetch(`${em.url}/app/4797777776`)).text();
    expect(app).toContain(`data-reference="${orderId}"`);
    await em.ctx.clock.advance(4 * 60_000); // 8 minutes after initiate: still waiting
    expect(await status(orderId)).toBe('INITIATE');
    await em.ctx.clock.advance(61_000); // past 4 + 5 minutes
    expect(await status(orderId)).toBe('REJECTED');
    await shop.until(() => shop.callbacks(orderId).length === 1);
    expect(shop.callbacks(orderId)[0]!.json.errorInfo.errorCode).toBe('45');
    // Access tokens last an hour on the emulator's clock: the rest of this file still fits.
  });

  it('approve in the app needs the PIN, then redirects to fallBack and sends RESERVED', async () => {
    const { orderId, token } = await initiate();
    await form('/landing', { token, phoneNumber: '97777776', action: 'continue' });
    const wrong = await form(`/app/4797777776/requests/${token}/approve`, { pin: '0000' });
    expect(wrong.status).toBe(400);
    expect(await status(orderId)).toBe('INITIATE');
    const ok = await form(`/app/4797777776/requests/${token}/approve`, { pin: '1236' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`${shop.base}/fallback/${orderId}`);
    expect(await status(orderId)).toBe('RESERVE');
    await shop.until(() => shop.callbacks(orderId).length === 1);
    expect(shop.callbacks(orderId)[0]!.json.transactionInfo.status).toBe('RESERVED');
    // The landing page now sends the browser on to fallBack too.
    const landing = await fetch(`${em.url}/landing?token=${token}`, { redirect: 'manual' });
    expect(landing.status).toBe(303);
    expect(landing.headers.get('location')).toBe(`${shop.base}/fallback/${orderId}`);
  });

  it('cancel on the landing page: REJECTED without transactionId and back to fallBack', async () => {
    const { orderId, token } = await initiate();
    const res = await form('/landing', { token, action: 'cancel', phoneNumber: '' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${shop.base}/fallback/${orderId}`);
    await shop.until(() => shop.callbacks(orderId).length === 1);
    expect(shop.callbacks(orderId)[0]!.json.transactionInfo.transactionId).toBeUndefined();
    expect(await status(orderId)).toBe('REJECTED');
  });

  it('a test amount fails in the app with its reason; the payment keeps waiting', async () => {
    const { orderId, token } = await initiate({ amount: 186 });
    await form('/landing', { token, phoneNumber: '97777776', action: 'continue' });
    const res = await form(`/app/4797777776/requests/${token}/approve`, { pin: '1236' });
    expect(res.status).toBe(402);
    expect(await res.text()).toContain('Expired card');
    expect(await status(orderId)).toBe('INITIATE');
  });

  it('skipLandingPage: the request is in the app at once; after approval the app shows it, no redirect', async () => {
    const { orderId, token } = await initiate({ skipLandingPage: true }, { mobileNumber: '97777776' });
    const app = await (await fetch(`${em.url}/app/4797777776`)).text();
    expect(app).toContain(`data-reference="${orderId}"`);
    const ok = await form(`/app/4797777776/requests/${token}/approve`, { pin: '1236' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`/app/4797777776?notice=approved&ref=${orderId}`);
  });

  it('an isApp deeplink can be opened in the simulated app (scan/paste)', async () => {
    const orderId = `user-${randomUUID().slice(0, 12)}`;
    const res = await em.call('POST', '/ecomm/v2/payments', {
      body: {
        customerInfo: {},
        merchantInfo: { merchantSerialNumber: em.merchant.msn, callbackPrefix: `${shop.base}/cb`, fallBack: 'myshop://result', isApp: true },
        transaction: { orderId, amount: 30000, transactionText: 'In-app order' },
      },
    });
    expect(res.body.url).toMatch(/^vippsMT:\/\/\?token=/);
    const scan = await form('/app/4797777776/scan', { link: res.body.url });
    expect(scan.status).toBe(303);
    const app = await (await fetch(`${em.url}/app/4797777776`)).text();
    expect(app).toContain(`data-reference="${orderId}"`);
  });
});
