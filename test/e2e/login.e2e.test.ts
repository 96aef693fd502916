/**
 * Vipps Login in a real browser with a real relying party: openid-client (unchanged, discovery,
 * PKCE, state, nonce, ID token validation, userinfo) runs a small merchant site on 127.0.0.1;
 * Debian's Chromium logs in through the login page and confirms in the simulated app.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import * as client from 'openid-client';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, launchPhoneBrowser, SCREENSHOTS } from '../helpers/browser.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { skipNote } from '../helpers/skip.js';

const skipReason = browserSkipReason('login browser tests');
const USER = '4791234567';

describe.skipIf(skipReason !== undefined)(`Log in with Vipps in Chromium, openid-client as the merchant${skipNote(skipReason)}`, () => {
  let emu: TestEmulator;
  let browser: BrowserContext;
  let closeBrowser: (() => Promise<void>) | undefined;
  let shop: Server;
  let shopUrl = '';
  let config: client.Configuration;
  const sessions = new Map<string, { verifier: string; state: string; nonce: string }>();
  const results: Array<{ claims: Record<string, unknown>; userinfo: Record<string, unknown> } | { error: string }> = [];

  beforeAll(async () => {
    emu = await startTestEmulator();
    // The merchant's site: /start sends the browser to Vipps, /callback finishes the login.
    shop = createServer((req, res) => {
      void (async () => {
        const url = new URL(req.url ?? '/', shopUrl);
        if (url.pathname === '/start') {
          const verifier = client.randomPKCECodeVerifier();
          const s = { verifier, state: client.randomState(), nonce: client.randomNonce() };
          sessions.set('current', s);
          const to = client.buildAuthorizationUrl(config, {
            redirect_uri: `${shopUrl}/callback`,
            scope: url.searchParams.get('scope') ?? 'openid name email',
            code_challenge: await client.calculatePKCECodeChallenge(verifier),
            code_challenge_method: 'S256',
            state: s.state,
            nonce: s.nonce,
          });
          res.writeHead(302, { location: to.href }).end();
          return;
        }
        if (url.pathname === '/callback') {
          const s = sessions.get('current')!;
          try {
            const tokens = await client.authorizationCodeGrant(config, url, { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce, idTokenExpected: true });
            const claims = tokens.claims()!;
            const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
            results.push({ claims: { ...claims }, userinfo: { ...userinfo } });
            res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>Shop</title><h1 id="hello">Hello ${String(userinfo.given_name)}</h1>`);
          } catch (e) {
            const error = (e as { error?: string }).error ?? String(e);
            results.push({ error });
            res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>Shop</title><h1 id="failed">${error.replace(/</g, "&lt;")}</h1>`);
          }
          return;
        }
        res.writeHead(404).end();
      })();
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
    await emu.call('PUT', `/devkit/v1/login/merchants/${emu.merchant.msn}`, { anonymous: true, body: { redirectUris: [`${shopUrl}/callback`] } });
    // openid-client as any merchant uses it: discovery from the issuer; plain http only because the emulator is local.
    config = await client.discovery(new URL(`${emu.url}/access-management-1.0/access/`), emu.merchant.clientId, undefined, client.ClientSecretBasic(emu.merchant.clientSecret), { execute: [client.allowInsecureRequests] });
    ({ browser, close: closeBrowser } = await launchPhoneBrowser());
  });

  afterAll(async () => {
    await closeBrowser?.();
    await new Promise((resolve) => (shop ? shop.close(resolve) : resolve(undefined)));
    await emu?.close();
  });

  it('discovers the emulator as its issuer', () => {
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(`${emu.url}/access-management-1.0/access/`);
    expect(meta.code_challenge_methods_supported).toContain('S256');
  });

  it('logs in: login page, the user confirms in the app with consent, back at the merchant with a validated ID token', async () => {
    const page = await browser.newPage();
    await page.goto(`${shopUrl}/start`);
    await expect.poll(() => page.url()).toContain('/access-management-1.0/access/login/');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'login-page.png') });
    await page.getByTestId(`user-${USER}`).click();
    await page.getByTestId('waiting').waitFor();

    const app = await browser.newPage();
    await app.goto(`${emu.url}/app/${USER}`);
    const card = app.getByTestId('login-request');
    await expect.poll(() => card.getByTestId('consents').textContent()).toContain('Email address');
    await app.screenshot({ path: path.join(SCREENSHOTS, 'login-app-consent.png') });
    await card.locator('input[name="pin"]').fill('1236');
    await card.getByRole('button', { name: 'Share and log in' }).click();
    await expect.poll(() => app.getByRole('status').textContent()).toBe('You are logged in to Devkit Test Shop.');

    // The login page reloads itself and goes on to the merchant.
    await page.locator('#hello').waitFor({ timeout: 15_000 });
    expect(await page.locator('#hello').textContent()).toBe('Hello Kari');
    const done = results.at(-1)!;
    expect('claims' in done, JSON.stringify(done)).toBe(true);
    if ('claims' in done) {
      expect(done.claims).toMatchObject({ iss: `${emu.url}/access-management-1.0/access/`, aud: [emu.merchant.clientId], msn: emu.merchant.msn });
      expect(done.userinfo).toMatchObject({ sub: done.claims.sub, given_name: 'Kari', family_name: 'Nordmann', email: 'kari.nordmann@example.com', email_verified: true });
    }
    await page.close();
    await app.close();
  });

  it('the remembered browser logs in again at once; refusing in the app comes back as access_denied', async () => {
    const page = await browser.newPage();
    await page.goto(`${shopUrl}/start`);
    await page.locator('#hello').waitFor();
    // More scopes than consented: the app asks for them; the user refuses.
    await page.goto(`${shopUrl}/start?scope=${encodeURIComponent('openid name email address')}`);
    await page.getByTestId('waiting').or(page.getByTestId(`user-${USER}`)).first().waitFor();
    if (await page.getByTestId(`user-${USER}`).count()) await page.getByTestId(`user-${USER}`).click();
    const app = await browser.newPage();
    await app.goto(`${emu.url}/app/${USER}`);
    const card = app.getByTestId('login-request');
    expect(await card.getByTestId('consents').textContent()).toContain('Address');
    expect(await card.getByTestId('consents').textContent()).not.toContain('Email address');
    await card.getByRole('button', { name: 'Refuse' }).click();
    await page.locator('#failed').waitFor({ timeout: 15_000 });
    expect(await page.locator('#failed').textContent()).toContain('access_denied');
    await page.close();
    await app.close();
  });

  it('QR login: the page shows a QR code (drawn under the CSP), the app scans it, the user confirms', async () => {
    // A browser nobody logged in with yet.
    await browser.clearCookies();
    const page = await browser.newPage();
    await page.goto(`${shopUrl}/start?scope=${encodeURIComponent('openid name')}`);
    await page.getByTestId('qr-login').click();
    const image = page.getByTestId('qr-image');
    await image.waitFor();
    expect(await image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'login-qr.png') });
    const link = (await page.getByTestId('qr-link').textContent())!;
    const app = await browser.newPage();
    await app.goto(`${emu.url}/app/4793456789`);
    await app.locator('#link').fill(link);
    await app.getByRole('button', { name: 'Scan' }).click();
    const card = app.getByTestId('login-request');
    await card.locator('input[name="pin"]').fill('1236');
    await card.getByRole('button', { name: 'Share and log in' }).click();
    await page.locator('#hello').waitFor({ timeout: 15_000 });
    expect(await page.locator('#hello').textContent()).toBe('Hello Ingrid');
    await page.close();
    await app.close();
  });
  it('app switch: on "this phone" the login page opens the app in the same tab; confirmed there, the app returns to the page and on to the merchant', async () => {
    await browser.clearCookies();
    const page = await browser.newPage();
    await page.goto(`${shopUrl}/start?scope=${encodeURIComponent('openid name')}`);
    await page.locator('#phoneNumber').fill('93456789');
    await page.getByTestId('app-switch').click();
    // The same tab is now the user's app, with the login waiting.
    await expect.poll(() => page.url()).toBe(`${emu.url}/app/4793456789`);
    const card = page.getByTestId('login-request');
    await card.locator('input[name="pin"]').fill('1236');
    await card.getByRole('button', { name: /log in/i }).click();
    await page.locator('#hello').waitFor({ timeout: 15_000 });
    expect(await page.locator('#hello').textContent()).toBe('Hello Ingrid');
    await page.close();
  });
});
