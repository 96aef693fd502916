// Reset and Login: a whole reset forgets the client settings, logins and tokens, and keeps the
// signing keys (as it keeps the access tokens' key); a merchant's reset forgets that merchant's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { authorizeUrl, BASE, login, pkce, registerClient, REDIRECT, token } from './helpers.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu?.close();
});

const jwksKids = async () => (((await (await fetch(`${emu.url}${BASE}/.well-known/jwks.json`)).json()) as any).keys as any[]).map((k) => k.kid);

async function loggedIn() {
  await registerClient(emu);
  const p = pkce();
  const { redirect } = await login(emu, authorizeUrl(emu, { code_challenge: p.challenge, code_challenge_method: 'S256' }));
  const t = await token(emu, { grant_type: 'authorization_code', code: redirect.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: p.verifier });
  expect(t.status).toBe(200);
  return t.body.access_token as string;
}

const userinfo = async (accessToken: string) => (await fetch(`${emu.url}/vipps-userinfo-api/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } })).status;

describe('reset', () => {
  it('whole: settings, logins and tokens go, the keys stay', async () => {
    const accessToken = await loggedIn();
    const kids = await jwksKids();
    expect((await emu.call('POST', '/devkit/v1/reset', { anonymous: true })).status).toBe(200);
    expect(await jwksKids()).toEqual(kids);
    expect(await userinfo(accessToken)).toBe(401);
    expect((await emu.call('GET', `/devkit/v1/login/merchants/${emu.merchant.msn}`, { anonymous: true })).body.redirectUris).toEqual([]);
  });

  it("one merchant's: its tokens and settings go", async () => {
    const accessToken = await loggedIn();
    expect(await userinfo(accessToken)).toBe(200);
    expect((await emu.call('POST', `/devkit/v1/merchants/${emu.merchant.msn}/reset`, { anonymous: true })).status).toBe(200);
    expect(await userinfo(accessToken)).toBe(401);
    expect((await emu.call('GET', `/devkit/v1/login/merchants/${emu.merchant.msn}`, { anonymous: true })).body.redirectUris).toEqual([]);
  });
});
