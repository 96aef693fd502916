/**
 * The API docs page (GET /devkit/v1/docs, Swagger UI from @fastify/swagger-ui's bundled files) in
 * a real browser: it renders every tag's operations from /devkit/v1/openapi.json, loads nothing
 * from another origin (it works offline) and breaks no rule of its Content-Security-Policy.
 */
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, launchPhoneBrowser, SCREENSHOTS } from '../helpers/browser.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const skipReason = browserSkipReason('API docs browser test');

describe.skipIf(skipReason !== undefined)('the API docs page in Chromium', () => {
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

  it('renders the operations of every API from this origin only, with no CSP violation', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    const elsewhere: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(emu.url) && !r.url().startsWith('data:')) elsewhere.push(r.url());
    });
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));

    await page.goto(`${emu.url}/devkit/v1/docs`);
    // Swagger UI's bundle is parsed in the page: slow on a loaded CI machine, so a generous wait.
    await page.locator('.opblock').first().waitFor({ timeout: 60_000 });
    for (const tag of ['ePayment API', 'eCom API', 'Webhooks API and callbacks', 'Control API']) {
      await expect(page.locator('.opblock-tag', { hasText: tag }).count()).resolves.toBeGreaterThan(0);
    }
    await expect(page.locator('.opblock-summary-path', { hasText: '/epayment/v1/payments' }).count()).resolves.toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'api-docs.png') });

    expect(elsewhere).toEqual([]);
    expect(problems).toEqual([]);
  }, 90_000);
});
