/**
 * A Recurring agreement in a real browser: the landing page at vippsConfirmationUrl, the simulated
 * app (accept with the PIN, reject), the redirect to merchantRedirectUrl, the app's list of
 * active agreements with "Stop", their charges and the notification of a failed charge.
 * Debian's Chromium driven by playwright-core, all on 127.0.0.1.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, launchPhoneBrowser, SCREENSHOTS } from '../helpers/browser.js';
import { newKey, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { skipNote } from '../helpers/skip.js';
import { dateIn, refreshingTokens } from '../apis/recurring/helpers.js';

const skipReason = browserSkipReason('Recurring agreement browser tests');

describe.skipIf(skipReason !== undefined)(`a Recurring agreement in Chromium${skipNote(skipReason)}`, () => {
  let emu: TestEmulator;
  let browser: BrowserContext;
  let closeBrowser: (() => Promise<void>) | undefined;
  let shop: Server;
  let shopUrl = '';

  beforeAll(async () => {
    emu = await startTestEmulator({ rateLimits: false });
    shop = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>Shop</title><h1 id="shop">Welcome back</h1><p id="url">${encodeURI(req.url ?? '')}</p>`);
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

  const draft = async (productName: string, extra: Record<string, unknown> = {}) => {
    const r = await emu.call('POST', '/recurring/v3/agreements', {
      idempotencyKey: newKey(),
      body: {
        pricing: { type: 'LEGACY', amount: 9900, currency: 'NOK' },
        interval: { unit: 'MONTH', count: 1 },
        merchantRedirectUrl: `${shopUrl}/subscribed?product=${encodeURIComponent(productName)}`,
        merchantAgreementUrl: `${shopUrl}/my-subscriptions`,
        phoneNumber: '4791234567',
        productName,
        ...extra,
      },
    });
    expect(r.status, r.text).toBe(201);
    return r.body as { agreementId: string; vippsConfirmationUrl: string; chargeId: string | null };
  };
  const agreement = async (id: string) => (await emu.call('GET', `/recurring/v3/agreements/${id}`)).body;
  const card = (page: Page, id: string) => page.locator(`[data-testid="request"][data-reference="${id}"]`);

  it('accepts an agreement with its initial charge in the app (PIN), returns to the merchant, and stops it from the app', async () => {
    const d = await draft('Daily news', { initialCharge: { amount: 4900, description: 'First month', transactionType: 'DIRECT_CAPTURE' } });
    const page = await browser.newPage();
    await page.goto(d.vippsConfirmationUrl);
    await expect.poll(() => page.getByTestId('merchant').textContent()).toBe('Devkit Test Shop');
    expect(await page.getByTestId('product').textContent()).toBe('Daily news');
    expect(await page.getByTestId('price').textContent()).toBe('99 kr every month');
    expect(await page.getByTestId('initial-charge').textContent()).toContain('49,00 kr');
    expect(await page.locator('#phoneNumber').inputValue()).toBe('4791234567');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'recurring-landing.png'), fullPage: true });

    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${emu.url}/app/4791234567`);
    const c = card(page, d.agreementId);
    await expect.poll(() => c.count()).toBe(1);
    expect(await c.getByTestId('price').textContent()).toBe('99 kr every month');
    await c.locator('input[name="pin"]').fill('0000');
    await c.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => page.locator('.notice.error').textContent()).toContain('Wrong PIN');
    expect((await agreement(d.agreementId)).status).toBe('PENDING');

    await card(page, d.agreementId).locator('input[name="pin"]').fill('1236');
    await card(page, d.agreementId).getByRole('button', { name: 'Accept' }).click();
    await page.waitForURL(`${shopUrl}/subscribed?product=Daily%20news`);
    expect(await page.locator('#shop').textContent()).toBe('Welcome back');
    expect(await agreement(d.agreementId)).toMatchObject({ status: 'ACTIVE', start: expect.any(String) });
    expect((await emu.call('GET', `/recurring/v3/charges/${d.chargeId}`)).body).toMatchObject({ status: 'CHARGED', summary: { captured: 4900 } });

    // The app lists the active agreement; the user stops it there.
    await page.goto(`${emu.url}/app/4791234567`);
    const listed = page.locator(`[data-testid="agreements"] li[data-reference="${d.agreementId}"]`);
    await expect.poll(() => listed.count()).toBe(1);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'recurring-app-agreements.png'), fullPage: true });
    await listed.getByTestId('stop-agreement').click();
    await expect.poll(() => page.locator('.notice.ok').textContent()).toContain(`Agreement ${d.agreementId} stopped`);
    expect(await agreement(d.agreementId)).toMatchObject({ status: 'STOPPED', stop: expect.any(String) });
    expect(await page.locator(`[data-testid="agreements"] li[data-reference="${d.agreementId}"]`).count()).toBe(0);
    expect(await page.locator(`[data-testid="history"] li[data-reference="${d.agreementId}"] .badge`).textContent()).toBe('Stopped');
    await page.close();
  });

  it('rejects an agreement in the app and returns to the merchant; an agreement force accepted over the API is listed in the app', async () => {
    const d = await draft('Weekly magazine');
    const page = await browser.newPage();
    await page.goto(d.vippsConfirmationUrl);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${emu.url}/app/4791234567`);
    await card(page, d.agreementId).getByRole('button', { name: 'Reject' }).click();
    await page.waitForURL(`${shopUrl}/subscribed?product=Weekly%20magazine`);
    expect(await agreement(d.agreementId)).toMatchObject({ status: 'STOPPED', start: null });

    const forced = await draft('Forced');
    expect((await emu.call('PATCH', `/recurring/v3/agreements/${forced.agreementId}/accept`, { idempotencyKey: newKey(), body: { phoneNumber: '4746123456' } })).status).toBe(204);
    await page.goto(`${emu.url}/app/4746123456`);
    await expect.poll(() => page.locator(`[data-testid="agreements"] li[data-reference="${forced.agreementId}"]`).count()).toBe(1);
    await page.close();
  });

  // Last: it moves the emulator clock a day on.
  it("shows an agreement's charges (upcoming, charged, failed) and a notification for the failed one; the user deleted, the agreement stops", async () => {
    const api = refreshingTokens(emu);
    const user = await api.call('POST', '/devkit/v1/users', { body: { givenName: 'Kari' }, anonymous: true });
    const phone = user.body.phoneNumber as string;
    const d = await draft('Music', { phoneNumber: phone });
    expect((await api.call('PATCH', `/recurring/v3/agreements/${d.agreementId}/accept`, { idempotencyKey: newKey(), body: { phoneNumber: phone } })).status).toBe(204);
    const due = dateIn(emu, 1);
    const charge = (orderId: string, description: string, amount: number, days: number) =>
      api.call('POST', `/recurring/v3/agreements/${d.agreementId}/charges`, { idempotencyKey: newKey(), body: { amount, transactionType: 'DIRECT_CAPTURE', description, due: days === 1 ? due : dateIn(emu, days), retryDays: 0, orderId } });
    expect((await charge('e2e-december', 'December', 9900, 1)).status).toBe(201);
    expect((await charge('e2e-extra', 'Concert', 151, 1)).status).toBe(201); // 1.51 kr: insufficient funds
    expect((await charge('e2e-january', 'January', 9900, 20)).status).toBe(201);
    const by = Date.parse(`${due}T18:00:00Z`) - emu.ctx.clock.now().getTime();
    expect((await api.call('POST', '/devkit/v1/clock/advance', { body: { milliseconds: by }, anonymous: true })).status).toBe(200);

    const page = await browser.newPage();
    await page.goto(`${emu.url}/app/${phone}`);
    const note = page.locator('[data-testid="notification"][data-charge="e2e-extra"]');
    await expect.poll(() => note.count()).toBe(1);
    expect(await note.getAttribute('data-final')).toBe('true');
    expect(await note.textContent()).toContain('Devkit Test Shop: the payment of 1,51 kr for Music – Concert failed');
    expect(await note.textContent()).toContain('It will not be tried again.');
    const rows = page.locator(`[data-testid="agreements"] li[data-reference="${d.agreementId}"] [data-testid="agreement-charge"]`);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-charge'), tr.getAttribute('data-status'), tr.querySelector('.badge')?.textContent]))).toEqual([
      ['e2e-january', 'upcoming', 'Upcoming'],
      ['e2e-extra', 'failed', 'Failed'],
      ['e2e-december', 'charged', 'Charged'],
    ]);
    expect(await rows.first().textContent()).toContain('99,00 kr');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'recurring-app-charges.png'), fullPage: true });

    // The user deletes their profile: the agreement stops, the upcoming charge is cancelled.
    expect((await api.call('DELETE', `/devkit/v1/users/${phone}`, { anonymous: true })).status).toBe(204);
    expect((await api.call('GET', `/recurring/v3/agreements/${d.agreementId}`)).body.status).toBe('STOPPED');
    expect((await api.call('GET', `/recurring/v3/charges/e2e-january`)).body.status).toBe('CANCELLED');
    await page.reload();
    await expect.poll(() => page.locator('h1').textContent()).toContain('Unknown user');
    await page.close();
  });
});
