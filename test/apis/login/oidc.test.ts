// Vipps Login over HTTP: discovery, JWKS, the code flow with PKCE through the login page and the
// app, the token endpoint, userinfo with the user's token, and the refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { authorizeUrl, BASE, login, pkce, registerClient, REDIRECT, token } from './helpers.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
  await registerClient(emu);
});
afterAll(async () => {
  await emu?.close();
});

describe('discovery and keys', () => {
  it('serves the discovery document at the documented path, pointing at the emulator', async () => {
    const res = await fetch(`${emu.url}${BASE}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('max-age=3600');
    const doc = (await res.json()) as any;
    expect(doc.issuer).toBe(`${emu.url}${BASE}/`);
    expect(doc.authorization_endpoint).toBe(`${emu.url}${BASE}/oauth2/auth`);
    expect(doc.token_endpoint).toBe(`${emu.url}${BASE}/oauth2/token`);
    expect(doc.jwks_uri).toBe(`${emu.url}${BASE}/.well-known/jwks.json`);
    expect(doc.userinfo_endpoint).toBe(`${emu.url}/vipps-userinfo-api/userinfo`);
    expect(doc.backchannel_authentication_endpoint).toBe(`${emu.url}/vipps-login-ciba/api/backchannel/authentication`);
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(['openid', 'name', 'email', 'address', 'phoneNumber', 'nin', 'birthDate', 'api_version_2']));
  });

  it('publishes RS256 signing keys with public:<uuid> key ids', async () => {
    const jwks = (await (await fetch(`${emu.url}${BASE}/.well-known/jwks.json`)).json()) as any;
    expect(jwks.keys.length).toBeGreaterThanOrEqual(1);
    for (const k of jwks.keys) {
      expect(k).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
      expect(k.kid).toMatch(/^public:[0-9a-f-]{36}$/);
      expect(k.d).toBeUndefined();
    }
  });
});

describe('authorization code flow', () => {
  it('logs in with PKCE and exchanges the code (client_secret_basic)', async () => {
    const { verifier, challenge } = pkce();
    const { redirect } = await login(emu, authorizeUrl(emu, { scope: 'openid name', code_challenge: challenge, code_challenge_method: 'S256', nonce: 'n-123' }));
    expect(redirect.origin + redirect.pathname).toBe(REDIRECT);
    expect(redirect.searchParams.get('state')).toBe('state-12345');
    const code = redirect.searchParams.get('code');
    expect(code).toBeTruthy();
    const t = await token(emu, { grant_type: 'authorization_code', code: code!, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(t.status, JSON.stringify(t.body)).toBe(200);
    expect(t.body).toMatchObject({ token_type: expect.stringMatching(/^bearer$/i), expires_in: 3600, scope: 'openid name' });
    expect(t.body.refresh_token).toBeUndefined();
    const info = await fetch(`${emu.url}/vipps-userinfo-api/userinfo`, { headers: { authorization: `Bearer ${t.body.access_token}` } });
    expect(info.status).toBe(200);
    const claims = await info.json();
    expect(claims).toEqual({ sub: expect.any(String), name: 'Kari Nordmann', given_name: 'Kari', family_name: 'Nordmann' });
  });
});

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { Browser, USER } from './helpers.js';

/** A whole login: the code's token response. */
async function loginAndToken(scope = 'openid', extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkce();
  const { redirect, browser } = await login(emu, authorizeUrl(emu, { scope, code_challenge: challenge, code_challenge_method: 'S256', ...extra }));
  const t = await token(emu, { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: verifier });
  expect(t.status, JSON.stringify(t.body)).toBe(200);
  return { ...t.body, browser } as { access_token: string; id_token: string; browser: Browser };
}

const advance = (duration: string) => emu.call('POST', '/devkit/v1/clock/advance', { anonymous: true, body: { duration } });

describe('ID tokens', () => {
  it('are RS256 with iss, aud, sub, msn, nonce, at_hash and an hour of life, verifiable against the JWKS', async () => {
    const t = await loginAndToken('openid', { nonce: 'nonce-abc' });
    const header = decodeProtectedHeader(t.id_token);
    expect(header).toMatchObject({ alg: 'RS256', kid: expect.stringMatching(/^public:/) });
    const jwks = createRemoteJWKSet(new URL(`${emu.url}${BASE}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(t.id_token, jwks, { issuer: `${emu.url}${BASE}/`, audience: emu.merchant.clientId });
    expect(payload).toMatchObject({ nonce: 'nonce-abc', msn: emu.merchant.msn, at_hash: expect.any(String), sub: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(payload.auth_time).toEqual(expect.any(Number));
    // Vipps' claims (reference B4): aud an array, rat (the authorization request) no later than auth_time, sid.
    expect(payload.aud).toEqual([emu.merchant.clientId]);
    expect(payload.rat).toEqual(expect.any(Number));
    expect(payload.rat as number).toBeLessThanOrEqual(payload.auth_time as number);
    expect(payload.sid).toEqual(expect.any(String));
  });

  it('nonce is "" when the client sent none, and the code flow answers token_type bearer', async () => {
    const { verifier, challenge } = pkce();
    const { redirect } = await login(emu, authorizeUrl(emu, { scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' }));
    const t = await token(emu, { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(t.body.token_type).toBe('bearer');
    const jwks = createRemoteJWKSet(new URL(`${emu.url}${BASE}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(t.body.id_token, jwks, { issuer: `${emu.url}${BASE}/`, audience: emu.merchant.clientId });
    expect(payload.nonce).toBe('');
    // the at_hash still matches the access token: left half of its SHA-256, base64url
    const { createHash } = await import('node:crypto');
    const digest = createHash('sha256').update(t.body.access_token).digest();
    expect(payload.at_hash).toBe(digest.subarray(0, 16).toString('base64url'));
  });

  it('a tampered ID token fails verification', async () => {
    const t = await loginAndToken();
    const [h, p, s] = t.id_token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    claims.sub = '00000000-0000-5000-8000-000000000000';
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    const jwks = createRemoteJWKSet(new URL(`${emu.url}${BASE}/.well-known/jwks.json`));
    await expect(jwtVerify(forged, jwks)).rejects.toThrow(/signature/i);
  });

  it('the sub is the pairwise sub the payment flows give the sales unit (userinfo by sub answers it)', async () => {
    const t = await loginAndToken('openid name');
    const { sub } = decodeJwt(t.id_token);
    const bySub = await emu.call('GET', `/vipps-userinfo-api/userinfo/${sub}`);
    expect(bySub.status, bySub.text).toBe(200);
    const byToken = await (await fetch(`${emu.url}/vipps-userinfo-api/userinfo`, { headers: { authorization: `Bearer ${t.access_token}` } })).json();
    expect(byToken).toEqual({ sub, name: bySub.body.name, given_name: bySub.body.given_name, family_name: bySub.body.family_name });
  });

  it('rotation on the emulator clock: a new key signs, the previous one stays published and still verifies older tokens', async () => {
    const before = await loginAndToken();
    const oldKid = decodeProtectedHeader(before.id_token).kid;
    expect((await advance('31d')).status).toBe(200);
    const jwks = (await (await fetch(`${emu.url}${BASE}/.well-known/jwks.json`)).json()) as any;
    expect(jwks.keys.map((k: any) => k.kid)).toContain(oldKid);
    expect(jwks.keys).toHaveLength(2);
    const after = await loginAndToken();
    const newKid = decodeProtectedHeader(after.id_token).kid;
    expect(newKid).not.toBe(oldKid);
    expect(jwks.keys[0].kid).toBe(newKid);
    const set = createRemoteJWKSet(new URL(`${emu.url}${BASE}/.well-known/jwks.json`));
    await expect(jwtVerify(before.id_token, set, { currentDate: new Date(decodeJwt(before.id_token).iat! * 1000) })).resolves.toBeTruthy();
    await expect(jwtVerify(after.id_token, set)).resolves.toBeTruthy();
    // A second rotation drops the oldest key.
    expect((await emu.call('POST', '/devkit/v1/login/keys/rotate', { anonymous: true })).status).toBe(200);
    const later = (await (await fetch(`${emu.url}${BASE}/.well-known/jwks.json`)).json()) as any;
    expect(later.keys.map((k: any) => k.kid)).not.toContain(oldKid);
    expect(later.keys.map((k: any) => k.kid)).toContain(newKid);
  });
});

describe('app_to_app (requested_flow): the app returns to the merchant app, which resumes the login in the browser', () => {
  const APP_CALLBACK = 'merchantapp://vipps/callback';
  const appAnswer = async (decision: 'approve' | 'reject') => {
    const app = await (await fetch(`${emu.url}/app/${USER}`)).text();
    const action = new RegExp(`action="([^"]*/${decision})"`).exec(app)?.[1];
    expect(action, 'the login is in the app').toBeTruthy();
    const answered = await fetch(`${emu.url}${action}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'pin=1236' });
    expect(answered.status).toBe(303);
    return new URL(answered.headers.get('location')!);
  };
  const startAppToApp = async (extra: Record<string, string> = {}) => {
    const browser = new Browser(emu.url);
    const { verifier, challenge } = pkce();
    const { res, url } = await browser.follow(await browser.get(authorizeUrl(emu, { requested_flow: 'app_to_app', app_callback_uri: APP_CALLBACK, code_challenge: challenge, code_challenge_method: 'S256', ...extra })));
    expect(res.status, url).toBe(200);
    expect(url).toContain(`${BASE}/login/`);
    expect((await browser.post(url, { phoneNumber: USER, action: 'login' })).status).toBe(303);
    return { browser, verifier };
  };

  it('approve: the app opens app_callback_uri with state and resume_uri; resume_uri in the browser ends at redirect_uri with a code that gives tokens', async () => {
    await registerClient(emu, { redirectUris: [REDIRECT, APP_CALLBACK] });
    const { browser, verifier } = await startAppToApp();
    const back = await appAnswer('approve');
    expect(`${back.protocol}//${back.host}${back.pathname}`).toBe(APP_CALLBACK);
    expect(back.searchParams.get('state')).toBe('state-12345');
    const resume = back.searchParams.get('resume_uri')!;
    expect(resume.startsWith(`${emu.url}${BASE}/login/`)).toBe(true);
    const { url } = await browser.follow(await browser.get(resume));
    const redirect = new URL(url);
    expect(redirect.origin + redirect.pathname).toBe(REDIRECT);
    const t = await token(emu, { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(t.status, JSON.stringify(t.body)).toBe(200);
  });

  it('reject: the app opens app_callback_uri with state and error=access_denied', async () => {
    await registerClient(emu, { redirectUris: [REDIRECT, APP_CALLBACK] });
    await startAppToApp();
    const back = await appAnswer('reject');
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('state-12345');
    expect(back.searchParams.get('resume_uri')).toBeNull();
  });

  it('app switch from the login page: the browser opens the user\'s app, the user confirms, the app returns to the page, which goes on to redirect_uri', async () => {
    await registerClient(emu, { redirectUris: [REDIRECT] });
    const browser = new Browser(emu.url);
    const { verifier, challenge } = pkce();
    const { url } = await browser.follow(await browser.get(authorizeUrl(emu, { code_challenge: challenge, code_challenge_method: 'S256' })));
    expect(await (await browser.get(url)).text()).toContain('value="app-switch"');
    const switched = await browser.post(url, { phoneNumber: USER, action: 'app-switch' });
    expect(switched.status).toBe(303);
    expect(switched.headers.get('location')).toBe(`/app/${USER}`);
    const back = await appAnswer('approve');
    expect(back.href).toBe(url);
    const { url: end } = await browser.follow(await browser.get(back.href));
    const redirect = new URL(end);
    expect(redirect.origin + redirect.pathname).toBe(REDIRECT);
    const t = await token(emu, { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(t.status, JSON.stringify(t.body)).toBe(200);
  });

  it('a custom-scheme redirect_uri (an app\'s, registered beside web ones) gets the code and works at the token endpoint', async () => {
    await registerClient(emu, { redirectUris: [REDIRECT, APP_CALLBACK] });
    const { verifier, challenge } = pkce();
    const { redirect } = await login(emu, authorizeUrl(emu, { redirect_uri: APP_CALLBACK, code_challenge: challenge, code_challenge_method: 'S256' }));
    expect(redirect.href.startsWith(`${APP_CALLBACK}?`)).toBe(true);
    expect(redirect.searchParams.get('state')).toBe('state-12345');
    const t = await token(emu, { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: APP_CALLBACK, code_verifier: verifier });
    expect(t.status, JSON.stringify(t.body)).toBe(200);
  });

  it('refuses a missing or unregistered app_callback_uri with the documented errors, at redirect_uri', async () => {
    await registerClient(emu, { redirectUris: [REDIRECT] });
    const browser = new Browser(emu.url);
    for (const [params, error] of [
      [{ requested_flow: 'app_to_app' }, 'invalid_app_callback_uri'],
      [{ requested_flow: 'app_to_app', app_callback_uri: APP_CALLBACK }, 'app_callback_uri_not_registered'],
    ] as const) {
      const res = await browser.get(authorizeUrl(emu, params));
      expect(res.status).toBe(302);
      const to = new URL(res.headers.get('location')!);
      expect(to.origin + to.pathname).toBe(REDIRECT);
      expect(to.searchParams.get('error')).toBe(error);
      expect(to.searchParams.get('state')).toBe('state-12345');
    }
  });
});

describe('refusals', () => {
  it('an unregistered redirect_uri is an error page, not a redirect', async () => {
    const res = await fetch(authorizeUrl(emu, { redirect_uri: 'http://127.0.0.1:9/other' }), { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('redirect_uri');
  });

  it('a redirect_uri differing only by a trailing slash is refused too', async () => {
    const res = await fetch(authorizeUrl(emu, { redirect_uri: `${REDIRECT}/` }), { redirect: 'manual' });
    expect(res.status).toBe(400);
  });

  it('an unknown scope is invalid_scope at the redirect URI, with the state', async () => {
    const res = await fetch(authorizeUrl(emu, { scope: 'openid superpowers' }), { redirect: 'manual' });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(to.searchParams.get('error')).toBe('invalid_scope');
    expect(to.searchParams.get('state')).toBe('state-12345');
  });

  it('a state shorter than 8 characters is refused at the redirect URI', async () => {
    const res = await fetch(authorizeUrl(emu, { state: 'short' }), { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('invalid_state');
  });

  it('the user refusing in the app is access_denied at the redirect URI', async () => {
    const { redirect } = await login(emu, authorizeUrl(emu), { decision: 'reject' });
    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect(redirect.searchParams.get('state')).toBe('state-12345');
  });

  const codeFor = async (scope = 'openid') => {
    const p = pkce();
    const { redirect } = await login(emu, authorizeUrl(emu, { scope, code_challenge: p.challenge, code_challenge_method: 'S256' }));
    return { code: redirect.searchParams.get('code')!, verifier: p.verifier };
  };

  it('a replayed code is invalid_grant', async () => {
    const { code, verifier } = await codeFor();
    const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier };
    expect((await token(emu, form)).status).toBe(200);
    const again = await token(emu, form);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
  });

  it('a code after its lifetime (the emulator clock moved on) is invalid_grant', async () => {
    const { code, verifier } = await codeFor();
    await advance('3m');
    const t = await token(emu, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(t.status).toBe(400);
    expect(t.body.error).toBe('invalid_grant');
  });

  it('a PKCE mismatch is invalid_grant', async () => {
    const { code } = await codeFor();
    const t = await token(emu, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: pkce().verifier });
    expect(t.status).toBe(400);
    expect(t.body.error).toBe('invalid_grant');
  });

  it('PKCE plain is the default method (Vipps): a code_challenge without a method, the same verifier back', async () => {
    const verifier = pkce().verifier;
    const { redirect } = await login(emu, authorizeUrl(emu, { code_challenge: verifier }));
    const code = redirect.searchParams.get('code')!;
    expect(code, redirect.href).toBeTruthy();
    const wrong = await token(emu, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: pkce().verifier });
    expect(wrong.body.error).toBe('invalid_grant');
    const { redirect: again } = await login(emu, authorizeUrl(emu, { code_challenge: verifier, code_challenge_method: 'plain' }));
    const t = await token(emu, { grant_type: 'authorization_code', code: again.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(t.status, JSON.stringify(t.body)).toBe(200);
  });

  it('a request object (JWT signed with the client secret) carries the authorization parameters', async () => {
    const { SignJWT } = await import('jose');
    const { verifier, challenge } = pkce();
    const request = await new SignJWT({ client_id: emu.merchant.clientId, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid name', state: 'state-from-jwt', nonce: 'nonce-from-jwt', code_challenge: challenge, code_challenge_method: 'S256' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(emu.merchant.clientId)
      .setAudience(`${emu.url}${BASE}/`)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(emu.merchant.clientSecret));
    const q = new URLSearchParams({ client_id: emu.merchant.clientId, response_type: 'code', scope: 'openid', request });
    const { redirect } = await login(emu, `${emu.url}${BASE}/oauth2/auth?${q}`);
    expect(redirect.searchParams.get('state')).toBe('state-from-jwt');
    const t = await token(emu, { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(t.status, JSON.stringify(t.body)).toBe(200);
    expect(t.body.scope).toBe('openid name');
    expect(decodeJwt(t.body.id_token).nonce).toBe('nonce-from-jwt');
    // signed with another secret: refused
    const forged = await new SignJWT({ client_id: emu.merchant.clientId, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', state: 'state-from-jwt' })
      .setProtectedHeader({ alg: 'HS256' }).setIssuer(emu.merchant.clientId).setAudience(`${emu.url}${BASE}/`).setIssuedAt().setExpirationTime('5m')
      .sign(new TextEncoder().encode('not-the-secret-not-the-secret-not-the-secret'));
    const refused = await fetch(`${emu.url}${BASE}/oauth2/auth?${new URLSearchParams({ client_id: emu.merchant.clientId, response_type: 'code', scope: 'openid', request: forged })}`, { redirect: 'manual' });
    const to = refused.headers.get('location') ?? '';
    expect(refused.status === 400 || to.includes('error=invalid_request_object'), `${refused.status} ${to}`).toBe(true);
  });

  it('a redirect_uri at the token endpoint other than the one authorized is invalid_grant', async () => {
    const { code, verifier } = await codeFor();
    const t = await token(emu, { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:9/other', code_verifier: verifier });
    expect(t.status).toBe(400);
    expect(t.body.error).toBe('invalid_grant');
  });

  it('a wrong client secret is 401 invalid_client', async () => {
    const { code, verifier } = await codeFor();
    const t = await token(emu, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, 'basic', 'not-the-secret');
    expect(t.status).toBe(401);
    expect(t.body.error).toBe('invalid_client');
  });

  it('a user access token that is not one is 401 invalid_token at userinfo', async () => {
    const res = await fetch(`${emu.url}/vipps-userinfo-api/userinfo`, { headers: { authorization: 'Bearer nope.nope' } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error).toBe('invalid_token');
  });
});

describe('client settings and consent', () => {
  it('client_secret_post once the merchant chose it; basic is then refused', async () => {
    await registerClient(emu, { tokenEndpointAuthMethod: 'client_secret_post' });
    try {
      const p = pkce();
      const { redirect } = await login(emu, authorizeUrl(emu, { code_challenge: p.challenge, code_challenge_method: 'S256' }));
      const form = { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: p.verifier };
      const basic = await token(emu, form, 'basic');
      expect(basic.status).toBe(401);
      expect(basic.body.error).toBe('invalid_client');
      const post = await token(emu, form, 'post');
      expect(post.status, JSON.stringify(post.body)).toBe(200);
    } finally {
      await registerClient(emu, { tokenEndpointAuthMethod: 'client_secret_basic' });
    }
  });

  it('the control API refuses a redirect URI with a fragment or a bare custom scheme', async () => {
    const r = await emu.call('PUT', `/devkit/v1/login/merchants/${emu.merchant.msn}`, { anonymous: true, body: { redirectUris: ['https://shop.example/cb#x', 'myapp://'] } });
    expect(r.status).toBe(400);
    expect(r.body.extraDetails.map((d: any) => d.name)).toEqual(['redirectUris[0]', 'redirectUris[1]']);
  });

  it('consent: asked the first time in the app, remembered in the browser, asked again after removal', async () => {
    const user = await emu.call('POST', '/devkit/v1/users', { anonymous: true, body: {} });
    const phone = user.body.phoneNumber as string;
    const browser = new Browser(emu.url);
    // First login: the app lists what is asked.
    let r = await browser.follow(await browser.get(authorizeUrl(emu, { scope: 'openid email' })));
    await browser.post(r.url, { phoneNumber: phone, action: 'login' });
    const app = await (await fetch(`${emu.url}/app/${phone}`)).text();
    expect(app).toContain('data-testid="consents"');
    expect(app).toContain('Email address');
    await emu.call('POST', `/devkit/v1/login/users/${phone}/approve`, { anonymous: true });
    r = await browser.follow(await browser.get(r.url));
    expect(r.url.startsWith(REDIRECT)).toBe(true);
    // Remembered: the same browser gets its code at once.
    r = await browser.follow(await browser.get(authorizeUrl(emu, { scope: 'openid email' })));
    expect(r.url.startsWith(REDIRECT), r.url).toBe(true);
    expect(new URL(r.url).searchParams.get('code')).toBeTruthy();

    // The merchant listens for consent-revoked on a webhook of its own.
    const received: any[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    try {
      // Earlier tests moved the clock on: a fresh access token for the merchant.
      const fresh = await emu.fetchToken();
      const registered = await emu.call('POST', '/webhooks/v1/webhooks', { headers: { authorization: `Bearer ${fresh}` }, body: { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`, events: ['login.consent-revoked.v1'] } });
      expect(registered.status, registered.text).toBe(201);
      // Removed in the app's history: the webhook fires and the next login asks again.
      const history = await (await fetch(`${emu.url}/app/${phone}`)).text();
      const action = /action="([^"]*remove-consent)"/.exec(history)?.[1];
      expect(action).toBeTruthy();
      const removed = await fetch(`${emu.url}${action!.replace(/&amp;/g, '&')}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
      expect(removed.status).toBe(200);
      await expect.poll(() => received.length, { timeout: 10_000 }).toBe(1);
      expect(received[0]).toMatchObject({ event: 'CONSENT_REVOKED', sub: expect.any(String), msn: emu.merchant.msn });
      r = await browser.follow(await browser.get(authorizeUrl(emu, { scope: 'openid email' })));
      expect(r.url, 'asked again').toContain(`${BASE}/login/`);
      await browser.post(r.url, { phoneNumber: phone, action: 'login' });
      expect(await (await fetch(`${emu.url}/app/${phone}`)).text()).toContain('Email address');
    } finally {
      await new Promise((resolve) => hook.close(resolve));
    }
  });
});

describe('QR login', () => {
  it('the login page shows a QR code; scanned in the app, the login is that user\'s to confirm', async () => {
    const browser = new Browser(emu.url);
    const r = await browser.follow(await browser.get(authorizeUrl(emu, { scope: 'openid name' })));
    expect((await browser.post(r.url, { action: 'qr' })).status).toBe(303);
    const page = await (await browser.get(r.url)).text();
    expect(page).toContain('data-testid="qr-image"');
    expect(page).toMatch(/src="data:image\/svg\+xml;base64,/);
    const link = /data-testid="qr-link">([^<]+)</.exec(page)![1]!.replace(/&amp;/g, '&');
    // Nobody's app has it yet: the control API finds no login waiting for the user.
    expect((await emu.call('POST', `/devkit/v1/login/users/4746123456/approve`, { anonymous: true })).status).toBe(404);
    const scanned = await fetch(`${emu.url}/app/4746123456/scan`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ link }).toString() });
    expect(scanned.status).toBe(303);
    expect((await emu.call('POST', `/devkit/v1/login/users/4746123456/approve`, { anonymous: true })).status).toBe(200);
    const back = await browser.follow(await browser.get(r.url));
    expect(new URL(back.url).searchParams.get('code'), back.url).toBeTruthy();
    const opened = await fetch(link);
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain('Open with the Vipps app');
  });
});
