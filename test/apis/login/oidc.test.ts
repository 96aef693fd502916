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
    const doc = await res.json();
    expect(doc.issuer).toBe(`${emu.url}${BASE}/`);
    expect(doc.authorization_endpoint).toBe(`${emu.url}${BASE}/oauth2/auth`);
    expect(doc.token_endpoint).toBe(`${emu.url}${BASE}/oauth2/token`);
    expect(doc.jwks_uri).toBe(`${emu.url}${BASE}/.well-known/jwks.json`);
    expect(doc.userinfo_endpoint).toBe(`${emu.url}/vipps-userinfo-api/userinfo`);
    expect(doc.backchannel_authentication_endpoint).toBe(`${emu.url}/vipps-login-ciba/api/backchannel/authentication`);
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(['openid', 'name', 'email', 'address', 'phoneNumber', 'nin', 'birthDate', 'api_version_2']));
  });

  it('publishes RS256 signing keys with public:<uuid> key ids', async () => {
    const jwks = await (await fetch(`${emu.url}${BASE}/.well-known/jwks.json`)).json();
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
