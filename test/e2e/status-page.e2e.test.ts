/**
 * The HTML status page in a real browser (Debian's Chromium via playwright-core): an injected
 * incident shows up, with its affected component, and moves to the history when cleared.
 */
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, launchPhoneBrowser, SCREENSHOTS } from '../helpers/browser.js';
import { skipNote } from '../helpers/skip.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const skipReason = browserSkipReason('status page browser test');

describe.skipIf(skipReason !== undefined)(`the status page in Chromium${skipNote(skipReason)}`, () => {
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

  it('shows an injected incident and its affected component, then the resolution', async () => {
    const page = await browser.newPage();
    const scripts: string[] = [];
    page.on('dialog', (d) => {
      scripts.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${emu.url}/status`);
    expect(await page.getByTestId('overall').textContent()).toBe('All Systems Operational');
    expect(await page.getByTestId('incident').count()).toBe(0);

    const title = 'Payments failing <img src=x onerror=alert(1)>';
    const added = await emu.call('POST', '/devkit/v1/faults', { anonymous: true, body: { type: 'outage', api: 'epayment', mode: '503', title } });
    expect(added.status).toBe(201);
    const { fault, incident } = added.body;

    await page.reload();
    expect(await page.getByTestId('overall').getAttribute('data-indicator')).toBe('critical');
    expect(await page.getByTestId('overall').textContent()).toBe('Major Service Outage');
    const card = page.locator(`[data-testid="incident"][data-id="${incident.id}"]`);
    expect(await card.getAttribute('data-status')).toBe('investigating');
    expect(await card.locator('h3').textContent()).toBe(title); // shown as text, not markup
    expect(await card.textContent()).toContain('Investigating');
    expect(await card.textContent()).toContain('Affects: ePayment API');
    const groups = page.getByTestId('group');
    const mt = groups.filter({ hasText: 'MT (merchant test)' });
    const epayment = mt.getByTestId('component').filter({ hasText: 'ePayment API' });
    expect(await epayment.getAttribute('data-status')).toBe('major_outage');
    expect(await epayment.textContent()).toContain('Major outage');
    expect(await mt.getByTestId('component').filter({ hasText: 'Access Token API' }).getAttribute('data-status')).toBe('operational');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'status-page-incident.png'), fullPage: true });

    await emu.call('DELETE', `/devkit/v1/faults/${fault.id}`, { anonymous: true });
    await page.reload();
    expect(await page.getByTestId('overall').textContent()).toBe('All Systems Operational');
    const past = page.locator(`[data-testid="incident"][data-id="${incident.id}"]`);
    expect(await past.getAttribute('data-status')).toBe('resolved');
    expect(await past.textContent()).toContain('Resolved');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'status-page-resolved.png'), fullPage: true });
    expect(scripts).toEqual([]);
    await page.close();
  });
});
