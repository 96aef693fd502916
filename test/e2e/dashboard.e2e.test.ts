/**
 * The dashboard in a real browser (Debian's Chromium via playwright-core): finding a payment and
 * its webhook deliveries, replaying one to a local receiver, advancing the clock, a live update
 * over Server-Sent Events without a reload, HTML 404s, and axe-core finding no serious or critical
 * accessibility violation. Screenshots (desktop and 390×844) go to docs/images/ for docs/dashboard.md.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, launchPhoneBrowser } from '../helpers/browser.js';
import { repoRoot } from '../helpers/cli.js';
import { http, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { startReceiver } from '../helpers/receiver.js';
import { skipNote } from '../helpers/skip.js';

const skipReason = browserSkipReason('dashboard browser test');
const IMAGES = path.join(repoRoot, 'docs', 'images');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core run inside the page (page.evaluate is not subject to the page's CSP); serious and critical violations only. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(o: object): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: unknown }> }> }> } }).axe;
    const result = await axe.run({ resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, where: JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target)) }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.where}`);
}

async function shoot(page: Page, name: string) {
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: path.join(IMAGES, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: path.join(IMAGES, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
}

describe.skipIf(skipReason !== undefined)(`the dashboard in Chromium${skipNote(skipReason)}`, () => {
  let emu: TestEmulator;
  let browser: BrowserContext;
  let closeBrowser: (() => Promise<void>) | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const authorizedHooks = (reference: string) => receiver.received.filter((r) => r.json?.reference === reference && r.json?.name === 'AUTHORIZED');

  beforeAll(async () => {
    mkdirSync(IMAGES, { recursive: true });
    emu = await startTestEmulator();
    receiver = await startReceiver();
    const hook = await emu.call('POST', '/webhooks/v1/webhooks', { body: { url: receiver.url(), events: ['epayments.payment.created.v1', 'epayments.payment.authorized.v1', 'epayments.payment.expired.v1'] } });
    expect(hook.status).toBe(201);
    for (const [reference, description, value] of [['dash-hat-0001', 'Wool hat', 24900], ['dash-socks-001', 'Striped socks', 12900], ['dash-scarf-001', 'Scarf', 39900]] as const) {
      expect((await emu.createPayment({ reference, paymentDescription: description, amount: { currency: 'NOK', value } })).response.status).toBe(201);
    }
    expect((await http(`${emu.url}/devkit/v1/payments/dash-socks-001/approve`, { method: 'POST' })).status).toBe(200);
    await receiver.until((r) => authorizedHooks('dash-socks-001').length === 1 && r.length >= 4);
    ({ browser, close: closeBrowser } = await launchPhoneBrowser());
  });
  afterAll(async () => {
    await closeBrowser?.();
    await receiver?.close();
    await emu?.close();
  });

  it('answers / with the dashboard for a browser and with JSON for an API client', async () => {
    const page = await browser.newPage();
    await page.setViewportSize(DESKTOP);
    const response = await page.goto(`${emu.url}/`);
    expect(response?.headers()['content-type']).toContain('text/html');
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(await page.locator('h1').textContent()).toBe('What the emulator saw');
    expect(await page.getByTestId('count-payments').textContent()).toBe('3');
    await expect.poll(() => page.getByTestId('live-status').textContent()).toMatch(/^live/);
    await shoot(page, 'dashboard-overview');
    expect(await seriousViolations(page)).toEqual([]);

    const json = await http(`${emu.url}/`, { method: 'GET' });
    expect(json.headers.get('content-type')).toContain('application/json');
    expect(json.body.name).toBe('vipps-devkit');
    await page.close();
  });

  it('finds a payment by searching, and shows its timeline and webhook deliveries', async () => {
    const page = await browser.newPage();
    await page.setViewportSize(DESKTOP);
    await page.goto(`${emu.url}/`);
    await page.getByRole('navigation').getByRole('link', { name: 'Payments' }).click();
    await page.getByTestId('search').fill('socks');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/q=socks/);
    expect(await page.getByTestId('item-row').count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'dash-socks-001' }).click();
    expect(await page.getByTestId('item-id').textContent()).toBe('dash-socks-001');
    expect(await page.getByTestId('timeline-entry').allTextContents()).toEqual([expect.stringContaining('CREATED'), expect.stringContaining('AUTHORIZED')]);
    const rows = page.getByTestId('delivery-row');
    expect(await rows.count()).toBe(2);
    expect(await rows.filter({ hasText: 'epayments.payment.authorized.v1' }).getByTestId('state').textContent()).toBe('delivered');
    await rows.filter({ hasText: 'epayments.payment.authorized.v1' }).locator('summary').click();
    expect(await rows.filter({ hasText: 'epayments.payment.authorized.v1' }).getByTestId('attempt').textContent()).toContain('HTTP 200');
    await shoot(page, 'dashboard-payment');
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });

  it('replays a webhook delivery to the local receiver, and the new attempt shows up live', async () => {
    const page = await browser.newPage();
    await page.setViewportSize(DESKTOP);
    await page.goto(`${emu.url}/dashboard/payments/dash-socks-001?msn=${emu.merchant.msn}`);
    expect(authorizedHooks('dash-socks-001')).toHaveLength(1);
    await page.getByTestId('delivery-row').filter({ hasText: 'epayments.payment.authorized.v1' }).getByTestId('replay').click();
    expect(await page.getByTestId('notice').textContent()).toContain(`Replaying epayments.payment.authorized.v1 to ${receiver.url()}`);
    await receiver.until(() => authorizedHooks('dash-socks-001').length === 2);
    const [original, again] = authorizedHooks('dash-socks-001');
    expect(again!.body).toBe(original!.body);
    // The replay's delivery and its attempt appear without a reload (the page's live region, via SSE).
    await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
    await expect.poll(() => page.getByTestId('delivery-row').count(), { timeout: 10_000 }).toBe(3);
    await expect.poll(() => page.getByTestId('delivery-row').filter({ hasText: 'epayments.payment.authorized.v1' }).getByTestId('state').allTextContents(), { timeout: 10_000 }).toEqual(['delivered', 'delivered']);
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await page.close();
  });

  it('shows a payment created meanwhile without a reload (Server-Sent Events)', async () => {
    const page = await browser.newPage();
    await page.setViewportSize(PHONE);
    await page.goto(`${emu.url}/dashboard/payments`);
    await expect.poll(() => page.getByTestId('live-status').textContent()).toMatch(/^live/);
    await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
    expect(await page.getByTestId('item-row').count()).toBe(3);
    expect((await emu.createPayment({ reference: 'dash-live-0001', paymentDescription: 'Arrived live' })).response.status).toBe(201);
    await expect
      .poll(async () => ({ rows: await page.locator('[data-testid="item-row"][data-id="dash-live-0001"]').count(), live: await page.getByTestId('live-status').textContent() }), { timeout: 10_000 })
      .toMatchObject({ rows: 1 });
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await shoot(page, 'dashboard-payments');
    await page.close();
  });

  it('advances the clock from the dashboard and shows what became due', async () => {
    const page = await browser.newPage();
    await page.setViewportSize(DESKTOP);
    await page.goto(`${emu.url}/dashboard/operations`);
    expect(await page.getByTestId('clock-offset').textContent()).toBe('real time');
    expect(await page.getByTestId('active-server').count()).toBe(3);
    await page.getByLabel('Advance by').fill('1d');
    await page.getByTestId('advance').click();
    await page.waitForURL(/flash=/);
    expect(await page.getByTestId('clock-offset').textContent()).toBe('1d ahead of real time');
    const due = await page.getByTestId('became-due').allTextContents();
    // The payments nobody approved expired; the approved one did not.
    expect(due.join('\n')).toContain('dash-hat-0001 CREATED → EXPIRED');
    expect(due.join('\n')).toContain('dash-scarf-001 CREATED → EXPIRED');
    expect(due.join('\n')).not.toContain('dash-socks-001');
    expect((await http(`${emu.url}/devkit/v1/clock`, { method: 'GET' })).body.offsetMilliseconds).toBeGreaterThanOrEqual(86_400_000);
    await receiver.until((r) => r.some((x) => x.json?.reference === 'dash-hat-0001' && x.json?.name === 'EXPIRED'));
    await shoot(page, 'dashboard-operations');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Advance by').fill('soon');
    await page.getByTestId('advance').click();
    expect(await page.getByTestId('error').textContent()).toContain('Cannot advance by "soon"');
    await page.close();
  });

  it('injects and clears a fault, and rotates a request server', async () => {
    const page = await browser.newPage();
    await page.setViewportSize(DESKTOP);
    await page.goto(`${emu.url}/dashboard/operations`);
    await page.getByLabel('Type').selectOption('errors');
    await page.getByLabel('API', { exact: true }).selectOption('epayment');
    await page.getByTestId('add-fault').click();
    expect(await page.getByTestId('notice').textContent()).toContain('Fault injected');
    expect(await page.getByTestId('fault').count()).toBe(1);
    // The fault answers before authentication (the merchant's token ran out with the clock's day).
    const probe = async () => (await emu.call('GET', '/epayment/v1/payments/probe-ref-0001', { anonymous: true })).status;
    expect(await probe()).toBe(500);
    await page.getByTestId('fault').getByRole('button', { name: 'Clear' }).click();
    expect(await page.getByTestId('no-faults').count()).toBe(1);
    expect(await probe()).toBe(401);

    const before = await page.getByTestId('delivering-from').textContent();
    await page.getByRole('button', { name: 'Rotate mt' }).click();
    expect(await page.getByTestId('notice').textContent()).toContain('mt rotated');
    expect(await page.getByTestId('delivering-from').textContent()).not.toBe(before);
    await page.close();
  });

  it('lists the delivery log, and answers a browser at an unknown path with an HTML 404', async () => {
    const page = await browser.newPage();
    await page.setViewportSize(DESKTOP);
    await page.goto(`${emu.url}/dashboard/deliveries`);
    expect(await page.getByTestId('delivery-row').count()).toBeGreaterThanOrEqual(6);
    await shoot(page, 'dashboard-deliveries');
    expect(await seriousViolations(page)).toEqual([]);

    for (const [path, title] of [['orders', 'eCom orders'], ['agreements', 'Recurring agreements'], ['sessions', 'Checkout sessions']] as const) {
      await page.goto(`${emu.url}/dashboard/${path}`);
      expect(await page.locator('h1').textContent()).toBe(title);
      expect(await seriousViolations(page), path).toEqual([]);
    }

    const missing = await page.goto(`${emu.url}/no/such/page`);
    expect(missing?.status()).toBe(404);
    expect(await page.getByTestId('not-found').textContent()).toContain('/no/such/page');
    expect(await seriousViolations(page)).toEqual([]);
    const api = await http(`${emu.url}/no/such/page`, { method: 'GET', headers: { accept: 'application/json' } });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toContain('application/problem+json');
    await page.close();
  });

  it('asks a browser for the admin token when the emulator has one, then works with its cookie', async () => {
    const guarded = await startTestEmulator({ adminToken: 'dashboard-admin-secret' });
    const page = await browser.newPage();
    try {
      await page.setViewportSize(DESKTOP);
      await page.goto(`${guarded.url}/dashboard/payments`);
      expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in');
      await page.getByLabel('Admin token').fill('wrong');
      await page.getByTestId('sign-in').click();
      expect(await page.getByTestId('error').textContent()).toBe('That is not the admin token.');
      expect(await seriousViolations(page)).toEqual([]);
      await page.getByLabel('Admin token').fill('dashboard-admin-secret');
      await page.getByTestId('sign-in').click();
      expect(new URL(page.url()).pathname).toBe('/dashboard/payments');
      expect(await page.locator('h1').textContent()).toBe('Payments (ePayment)');
      await expect.poll(() => page.getByTestId('live-status').textContent()).toMatch(/^live/);
      // API clients still need the token itself; the root's JSON stays open.
      expect((await http(`${guarded.url}/devkit/v1/payments`, { method: 'GET' })).status).toBe(401);
      expect((await http(`${guarded.url}/dashboard/payments`, { method: 'GET' })).status).toBe(401);
      expect((await http(`${guarded.url}/`, { method: 'GET' })).body.name).toBe('vipps-devkit');
    } finally {
      await page.close();
      await guarded.close();
    }
  });
});
