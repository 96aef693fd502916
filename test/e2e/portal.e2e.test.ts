/**
 * The merchant portal in Chromium (playwright-core, Debian's /usr/bin/chromium): a test person
 * signs in with simulated BankID, onboards a foreign company (refused without the documented
 * extra requirements, accepted with them), shows a sales unit's keys and regenerates them (the old
 * key then fails at /accesstoken/get while the other works), sets Login redirect URIs and a
 * webhook; the buttons page and a merchant's own page draw the Vipps buttons. Every page passes
 * axe-core with no serious or critical violation; screenshots at desktop and 390×844 go to
 * docs/images/ for docs/portal.md.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// In page.evaluate callbacks, which run in the browser.
declare const document: any;
declare const customElements: any;
import { browserSkipReason, launchPhoneBrowser } from '../helpers/browser.js';
import { repoRoot } from '../helpers/cli.js';
import { http, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { skipNote } from '../helpers/skip.js';

const skipReason = browserSkipReason('Portal browser test');
const IMAGES = path.join(repoRoot, 'docs', 'images');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const FOREIGN_ORG = '987654325'; // Svensk Design AB NUF in the test register

/** axe-core's serious and critical findings on the page as it is now (violation id: the elements). */
async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's CSP (script-src 'self') does not apply.
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await (globalThis as any).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v: any) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n: any) => n.target.join(' ')).slice(0, 3) }));
  });
  return (violations as Array<{ id: string; impact: string; nodes: string[] }>).filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.nodes.join(', ')}`);
}

/** The page at desktop width (checked with axe there too) and at 390×844, into docs/images/portal-<name>-{desktop,mobile}.png. */
async function screenshots(page: Page, name: string, fullPage = true): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.screenshot({ path: path.join(IMAGES, `portal-${name}-desktop.png`), fullPage });
  // The other checks run at phone width: the desktop layout gets its own.
  expect(await axeViolations(page), `${name} at desktop width`).toEqual([]);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(IMAGES, `portal-${name}-mobile.png`), fullPage });
}

async function token(emu: TestEmulator, keys: { clientId: string; clientSecret: string; subscriptionKey: string }): Promise<number> {
  const res = await http(`${emu.url}/accesstoken/get`, { method: 'POST', headers: { client_id: keys.clientId, client_secret: keys.clientSecret, 'Ocp-Apim-Subscription-Key': keys.subscriptionKey } });
  return res.status;
}

describe.skipIf(skipReason !== undefined)(`The merchant portal in Chromium${skipNote(skipReason)}`, () => {
  let emu: TestEmulator;
  let browser: BrowserContext;
  let closeBrowser: (() => Promise<void>) | undefined;
  let page: Page;
  let shop: Server | undefined;
  let msn = '';

  beforeAll(async () => {
    emu = await startTestEmulator();
    ({ browser, close: closeBrowser } = await launchPhoneBrowser());
    page = await browser.newPage();
  });

  afterAll(async () => {
    await closeBrowser?.();
    await new Promise((r) => (shop ? shop.close(r) : r(undefined)));
    await emu?.close();
  });

  it('a test person signs in with simulated BankID', async () => {
    await page.goto(`${emu.url}/portal`);
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(page, 'sign-in');
    await page.getByTestId('sign-in-4791234567').click();
    await expect.poll(() => page.getByTestId('bankid-confirm').isVisible()).toBe(true);
    expect(await page.locator('main').innerText()).toContain('Kari Nordmann');
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(page, 'bankid');
    await page.getByTestId('bankid-confirm').click();
    await expect.poll(() => page.getByTestId('new-company').isVisible()).toBe(true);
    expect(await page.locator('header').innerText()).toContain('Signed in as Kari Nordmann');
  });

  it('a foreign company is refused without the documented extra requirements and accepted with them', async () => {
    await page.getByTestId('new-company').click();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'The company has no Norwegian organisation number' }).click();
    await expect.poll(() => page.locator('main').innerText()).toContain('payment service provider (PSP)');
    expect(await axeViolations(page)).toEqual([]);
    await page.goBack();
    // A wrong check digit is refused at the lookup.
    await page.locator('#orgNumber').fill('987654321');
    await page.getByTestId('look-up').click();
    await expect.poll(() => page.getByTestId('error-orgNumber').innerText()).toContain('check digit');
    await page.locator('#orgNumber').fill(FOREIGN_ORG);
    await page.getByTestId('look-up').click();
    await expect.poll(() => page.getByTestId('foreign-requirements').isVisible()).toBe(true);
    expect(await page.locator('main').innerText()).toContain('Svensk Design AB NUF');

    // A Swedish phone number, no identity number, a bank account with a wrong check digit.
    await page.locator('#bankAccount').fill('1503.12.34567');
    await page.locator('#contactName').fill('Anna Svensson');
    await page.locator('#contactEmail').fill('anna@svenskdesign.example');
    await page.locator('#contactPhone').fill('+46701234567');
    await page.getByTestId('sign-agreement').click();
    await expect.poll(() => page.getByTestId('refused').isVisible()).toBe(true);
    expect(await page.getByTestId('error-bankAccount').innerText()).toContain('check digit');
    expect(await page.getByTestId('error-contactPhone').innerText()).toContain('Norwegian mobile number');
    expect(await page.getByTestId('error-contactNin').innerText()).toContain('fødselsnummer or a D-number');
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(page, 'foreign-refused');
    // Nothing was signed: the control API knows no new merchant.
    expect((await emu.call('GET', '/devkit/v1/merchants', { anonymous: true })).body.merchants).toHaveLength(1);

    await page.locator('#bankAccount').fill('1503.12.34562');
    await page.locator('#contactPhone').fill('912 34 567');
    await page.locator('#contactNin').fill('55068527014'); // a D-number
    await page.getByTestId('sign-agreement').click();
    await expect.poll(() => page.locator('h1').innerText()).toBe('Svensk Design AB NUF');
    expect(await page.locator('main').innerText()).toContain('The merchant agreement is signed and approved');
    expect(await page.locator('main').innerText()).toContain('D-number 550685 *****');
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(page, 'company');
    const merchants = (await emu.call('GET', '/devkit/v1/merchants', { anonymous: true })).body.merchants as Array<{ msn: string; name: string }>;
    const made = merchants.find((m) => m.name === 'Svensk Design AB NUF (test)');
    expect(made).toBeDefined();
    msn = made!.msn;

    // A second test sales unit: a name is required.
    await page.getByTestId('add-sales-unit').click();
    await expect.poll(() => page.getByTestId('error-name').innerText()).toContain('Enter a name');
    expect(await axeViolations(page)).toEqual([]);
    await page.locator('#name').fill('Svensk Design webshop');
    await page.getByLabel('Recurring API').check();
    await page.getByLabel('Direct capture').check();
    await page.getByTestId('add-sales-unit').click();
    await expect.poll(() => page.locator('h1').innerText()).toBe('Svensk Design webshop');
    expect(await page.getByTestId('options').innerText()).toBe('landing page shown, Recurring API, direct capture');
    // The option is eCom's capture type of the new sales unit.
    const webshop = await page.getByTestId('msn').innerText();
    expect((await emu.call('GET', `/devkit/v1/ecom/merchants/${webshop}/settings`, { anonymous: true })).body).toEqual({ msn: webshop, directCapture: true });
    await page.goto(`${emu.url}/portal/companies/${FOREIGN_ORG}`);
  });

  it('regenerating a key: the old one fails at /accesstoken/get, the other keeps working', async () => {
    await page.locator(`a[href="/portal/sales-units/${msn}"]`).first().click();
    await expect.poll(() => page.getByTestId('msn').innerText()).toBe(msn);
    await page.getByTestId('show-keys').click();
    const key = (name: string) => page.getByTestId(`key-${name}`).innerText();
    await expect.poll(() => key('clientId')).toMatch(/^[0-9a-f-]{36}$/);
    const before = { clientId: await key('clientId'), clientSecret: await key('clientSecret'), primary: await key('primarySubscriptionKey'), secondary: await key('secondarySubscriptionKey') };
    expect(before.primary).toMatch(/^[0-9a-f]{32}$/);
    expect(before.secondary).toMatch(/^[0-9a-f]{32}$/);
    expect(before.secondary).not.toBe(before.primary);
    expect(await token(emu, { ...before, subscriptionKey: before.primary })).toBe(200);
    expect(await token(emu, { ...before, subscriptionKey: before.secondary })).toBe(200);
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(page, 'keys');

    await page.getByTestId('regenerate-primarySubscriptionKey').click();
    await expect.poll(() => key('primarySubscriptionKey')).not.toBe(before.primary);
    const newPrimary = await key('primarySubscriptionKey');
    expect(await page.locator('main').innerText()).toContain('The old one no longer works');
    expect(await token(emu, { ...before, subscriptionKey: before.primary })).toBe(401);
    expect(await token(emu, { ...before, subscriptionKey: before.secondary })).toBe(200);
    expect(await token(emu, { ...before, subscriptionKey: newPrimary })).toBe(200);
    expect(await key('secondarySubscriptionKey')).toBe(before.secondary);

    await page.getByTestId('regenerate-clientSecret').click();
    await expect.poll(() => key('clientSecret')).not.toBe(before.clientSecret);
    const newSecret = await key('clientSecret');
    expect(await token(emu, { ...before, subscriptionKey: newPrimary })).toBe(401);
    expect(await token(emu, { ...before, clientSecret: newSecret, subscriptionKey: newPrimary })).toBe(200);
  });

  it('Login redirect URIs and a webhook are set per sales unit, through the modules that own them', async () => {
    await page.locator('#redirectUris').fill('http://localhost:3000/callback\nnot a url');
    await page.getByTestId('save-login').click();
    await expect.poll(() => page.getByTestId('login-problems').innerText()).toContain('not an absolute URL');
    await page.locator('#redirectUris').fill('http://localhost:3000/callback\nhttps://shop.example/login/done/');
    await page.getByTestId('save-login').click();
    await expect.poll(() => page.locator('main').innerText()).toContain('Login settings saved.');
    const login = await emu.call('GET', `/devkit/v1/login/merchants/${msn}`, { anonymous: true });
    expect(login.body.redirectUris).toEqual(['http://localhost:3000/callback', 'https://shop.example/login/done/']);

    await page.locator('#webhook-url').fill('http://127.0.0.1:9/hooks');
    await page.locator('input[name=events][value="epayments.payment.captured.v1"]').check();
    await page.locator('#webhook-url').press('Enter');
    await expect.poll(() => page.getByTestId('webhook-secret').isVisible()).toBe(true);
    expect(await page.locator('main').innerText()).toContain('http://127.0.0.1:9/hooks');
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(page, 'sales-unit');
  });

  it('the settlements page lists each of the person\'s sales units with its settlement files (the settlements module is in the build)', async () => {
    await page.goto(`${emu.url}/portal/settlements`);
    await expect.poll(() => page.locator('main section.card h2').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('settlements-absent').count()).toBe(0);
    expect(await page.locator('main').innerText()).toMatch(/MSN \d{6}/);
    expect(await axeViolations(page)).toEqual([]);
    await page.goto(`${emu.url}/portal`);
    expect(await page.locator('main').innerText()).toContain('Svensk Design AB NUF');
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(page, 'home');
  });

  it('the buttons page draws every documented variant with the web component', async () => {
    await page.goto(`${emu.url}/portal/buttons`);
    await expect.poll(() => page.evaluate(() => !!customElements.get('vipps-button'))).toBe(true);
    // 4 verbs × 2 languages × 2 shapes × sizes (3 for Pay, 2 for the others) × 3 colours.
    expect(await page.locator('vipps-button').count()).toBe((3 + 2 * 3) * 2 * 2 * 3);
    const first = await page.evaluate(() => {
      const b = document.querySelector('vipps-button[verb=pay][language=no][shape=rect][size=medium][variant=orange]')!.shadowRoot!.querySelector('button')!;
      const r = b.getBoundingClientRect();
      return { label: b.getAttribute('aria-label'), width: r.width, height: r.height, fill: b.querySelector('rect')!.getAttribute('fill') };
    });
    expect(first).toEqual({ label: 'Betal med Vipps', width: 214, height: 43, fill: '#FF5B24' });
    expect(await page.locator('vipps-badge').count()).toBeGreaterThanOrEqual(20);
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(page, 'buttons', false);
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.getByTestId('button-variants').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(IMAGES, 'portal-buttons-grid-desktop.png') });
  });

  it("a merchant's own page loads the button script from the emulator", async () => {
    shop = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': `script-src ${emu.url}; style-src 'none'` });
      res.end(`<!doctype html><html lang="en"><title>Shop</title><main><h1>Checkout</h1><vipps-button verb="login" language="en" shape="pill" size="large"></vipps-button></main><script src="${emu.url}/portal/vipps-buttons.js"></script></html>`);
    });
    await new Promise<void>((r) => shop!.listen(0, '127.0.0.1', r));
    const port = (shop.address() as { port: number }).port;
    await page.goto(`http://127.0.0.1:${port}/`);
    await expect.poll(() => page.evaluate(() => document.querySelector('vipps-button')?.shadowRoot?.querySelector('button')?.getAttribute('aria-label') ?? null)).toBe('Log in with Vipps');
    const shape = await page.evaluate(() => {
      const svg = document.querySelector('vipps-button')!.shadowRoot!.querySelector('svg')!;
      return { width: svg.getAttribute('width'), rx: svg.querySelector('rect')!.getAttribute('rx') };
    });
    expect(shape).toEqual({ width: '250', rx: '22' });
  });
});
