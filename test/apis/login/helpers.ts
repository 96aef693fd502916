/**
 * A browser stand-in for Login tests without Chromium: follows the authorize redirects with a
 * cookie jar, fills the login page's form and lets the user answer in the app through the control
 * API. Chromium drives the same pages in test/e2e/login.e2e.test.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { TestEmulator } from '../../helpers/emulator.js';

export const BASE = '/access-management-1.0/access';
export const REDIRECT = 'http://127.0.0.1:9/callback';
export const USER = '4791234567';

export const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

export async function registerClient(emu: TestEmulator, body: Record<string, unknown> = { redirectUris: [REDIRECT] }) {
  const r = await emu.call('PUT', `/devkit/v1/login/merchants/${emu.merchant.msn}`, { anonymous: true, body });
  expect(r.status, r.text).toBe(200);
  return r.body;
}

export class Browser {
  constructor(
    private readonly base: string,
    private readonly jar = new Map<string, string>(),
  ) {}

  /** The same browser (cookies are per host, not per port) at another instance of the emulator. */
  at(base: string): Browser {
    return new Browser(base, this.jar);
  }

  async get(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(new URL(url, this.base), { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/expires=Thu, 01 Jan 1970/i.test(c) || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  post(url: string, form: Record<string, string>): Promise<Response> {
    return this.get(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  }

  /** Follows redirects while they stay on the emulator; returns the first response that does not (or is not a redirect). */
  async follow(res: Response): Promise<{ res: Response; url: string }> {
    let url = res.url;
    while (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location')!, url).href;
      if (!next.startsWith(this.base)) return { res, url: next };
      url = next;
      res = await this.get(next);
    }
    return { res, url };
  }
}

export interface LoginResult {
  /** Where the emulator sent the browser back (the client's redirect_uri with code or error). */
  redirect: URL;
  browser: Browser;
}

/** A login from the authorize URL to the redirect back: login page, phone number, the user's answer in the app. */
export async function login(emu: TestEmulator, authorizeUrl: string, o: { browser?: Browser; phone?: string; decision?: 'approve' | 'reject' } = {}): Promise<LoginResult> {
  const browser = o.browser ?? new Browser(emu.url);
  let { res, url } = await browser.follow(await browser.get(authorizeUrl));
  if (url.includes(`${BASE}/login/`) && res.status === 200) {
    const posted = await browser.post(url, { phoneNumber: o.phone ?? USER, action: 'login' });
    expect(posted.status, await posted.clone().text()).toBe(303);
    const answered = await emu.call('POST', `/devkit/v1/login/users/${o.phone ?? USER}/${o.decision ?? 'approve'}`, { anonymous: true });
    expect(answered.status, answered.text).toBe(200);
    ({ res, url } = await browser.follow(await browser.get(url)));
  }
  expect(res.status, `ended at ${url} with ${res.status}: ${await res.clone().text()}`).toBeGreaterThanOrEqual(300);
  return { redirect: new URL(url), browser };
}

export function authorizeUrl(emu: TestEmulator, params: Record<string, string> = {}) {
  const q = new URLSearchParams({ client_id: emu.merchant.clientId, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', state: 'state-12345', ...params });
  return `${emu.url}${BASE}/oauth2/auth?${q}`;
}

export async function token(emu: TestEmulator, form: Record<string, string>, auth: 'basic' | 'post' | 'none' = 'basic', secret = emu.merchant.clientSecret) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const body = new URLSearchParams(form);
  if (auth === 'basic') headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(emu.merchant.clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  if (auth === 'post') {
    body.set('client_id', emu.merchant.clientId);
    body.set('client_secret', secret);
  }
  const res = await fetch(`${emu.url}${BASE}/oauth2/token`, { method: 'POST', headers, body: body.toString() });
  return { status: res.status, body: (await res.json()) as Record<string, any>, headers: res.headers };
}
