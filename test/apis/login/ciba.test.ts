// CIBA, "log in from a phone number": the start request, the push in the simulated app, polling
// with its interval (authorization_pending, slow_down), the user's answer (tokens, access_denied)
// and expiry on the emulator clock (expired_token). openid-client polls end to end.
import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { registerClient, token, USER } from './helpers.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
  await registerClient(emu);
});
afterAll(async () => {
  await emu?.close();
});

const CIBA = '/vipps-login-ciba/api/backchannel/authentication';

async function start(form: Record<string, string>) {
  const res = await fetch(`${emu.url}${CIBA}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${emu.merchant.clientId}:${emu.merchant.clientSecret}`).toString('base64')}` },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const poll = (authReqId: string) => token(emu, { grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id: authReqId });
const answer = (decision: 'approve' | 'reject', phone = USER) => emu.call('POST', `/devkit/v1/login/users/${phone}/${decision}`, { anonymous: true });
const advance = (duration: string) => emu.call('POST', '/devkit/v1/clock/advance', { anonymous: true, body: { duration } });

describe('CIBA with polling', () => {
  it('starts with auth_req_id, expires_in 600 and interval 5; the push shows the binding message in the app', async () => {
    const started = await start({ login_hint: `urn:msisdn:${USER}`, scope: 'openid name', binding_message: 'XYZ-123' });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect(started.body).toEqual({ auth_req_id: expect.any(String), expires_in: 600, interval: 5 });
    const app = await (await fetch(`${emu.url}/app/${USER}`)).text();
    expect(app).toContain('data-testid="binding-message">XYZ-123<');
    expect((await answer('reject')).status).toBe(200);
  });

  it('authorization_pending, then slow_down when polled faster than the interval; tokens once the user confirmed', async () => {
    const { body } = await start({ login_hint: `urn:msisdn:${USER}`, scope: 'openid name' });
    const first = await poll(body.auth_req_id);
    expect(first.status).toBe(400);
    expect(first.body.error).toBe('authorization_pending');
    const second = await poll(body.auth_req_id);
    expect(second.body.error).toBe('slow_down');
    expect((await answer('approve')).status).toBe(200);
    await advance('6s');
    const done = await poll(body.auth_req_id);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ access_token: expect.any(String), id_token: expect.any(String), token_type: expect.stringMatching(/^bearer$/i), expires_in: 300 });
    expect(decodeJwt(done.body.id_token)).toMatchObject({ aud: emu.merchant.clientId, msn: emu.merchant.msn });
    const info = await fetch(`${emu.url}/vipps-userinfo-api/userinfo`, { headers: { authorization: `Bearer ${done.body.access_token}` } });
    expect(((await info.json()) as any).given_name).toBe('Kari');
    await advance('6s');
    expect((await poll(body.auth_req_id)).body.error).toBe('invalid_grant');
  });

  it('access_denied when the user refuses in the app', async () => {
    const { body } = await start({ login_hint: `urn:msisdn:${USER}`, scope: 'openid' });
    expect((await answer('reject')).status).toBe(200);
    const r = await poll(body.auth_req_id);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('access_denied');
  });

  it('expired_token once the request outlived its 600 seconds on the emulator clock', async () => {
    const { body } = await start({ login_hint: `urn:msisdn:${USER}`, scope: 'openid' });
    await advance('11m');
    const r = await poll(body.auth_req_id);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('expired_token');
    expect((await answer('approve')).status).toBe(404);
  });

  it('refuses an unknown user, a malformed login_hint and a bad binding_message', async () => {
    const unknown = await start({ login_hint: 'urn:msisdn:4700000001', scope: 'openid' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('unknown_user_id');
    const malformed = await start({ login_hint: 'tel:4791234567', scope: 'openid' });
    expect(malformed.body.error).toBe('invalid_request');
    const binding = await start({ login_hint: `urn:msisdn:${USER}`, scope: 'openid', binding_message: 'way too long message' });
    expect(binding.body.error).toBe('invalid_binding_message');
  });

  it('openid-client polls to the end with the interval the start response gave', async () => {
    const config = await client.discovery(new URL(`${emu.url}/access-management-1.0/access/`), emu.merchant.clientId, undefined, client.ClientSecretBasic(emu.merchant.clientSecret), { execute: [client.allowInsecureRequests] });
    const started = await client.initiateBackchannelAuthentication(config, { login_hint: `urn:msisdn:${USER}`, scope: 'openid name', binding_message: 'ABC-987' });
    expect(started.interval).toBe(5);
    const tokens = client.pollBackchannelAuthenticationGrant(config, started);
    // The user confirms in the app while the client polls.
    await expect.poll(async () => (await answer('approve')).status, { timeout: 5_000 }).toBe(200);
    const result = await tokens;
    expect(result.claims()).toMatchObject({ iss: `${emu.url}/access-management-1.0/access/`, aud: emu.merchant.clientId });
  }, 30_000);
});

describe('CIBA with redirect (requested_flow login_to_webpage)', () => {
  const REDIRECT = 'http://127.0.0.1:9/callback';

  it('after the user confirmed in the app the browser goes to redirect_uri with code and state; the code gives tokens once', async () => {
    const started = await start({ login_hint: `urn:msisdn:${USER}`, scope: 'openid name', requested_flow: 'login_to_webpage', redirect_uri: REDIRECT, state: 'state-redirect-1' });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    // The user confirms in the simulated app (with the PIN); the app sends the browser on.
    const app = await (await fetch(`${emu.url}/app/${USER}`)).text();
    const action = /action="([^"]*\/approve)"/.exec(app)?.[1];
    expect(action).toBeTruthy();
    const approved = await fetch(`${emu.url}${action}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'pin=1236' });
    expect(approved.status).toBe(303);
    const back = new URL(approved.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('state-redirect-1');
    const code = back.searchParams.get('code')!;
    const t = await token(emu, { grant_type: 'urn:vipps:params:grant-type:ciba-redirect', code });
    expect(t.status, JSON.stringify(t.body)).toBe(200);
    const claims = decodeJwt(t.body.id_token);
    expect(claims).toMatchObject({ aud: emu.merchant.clientId, auth_req_id: started.body.auth_req_id, authReqId: started.body.auth_req_id });
    expect(claims.exp! - claims.iat!).toBe(600);
    expect(((await (await fetch(`${emu.url}/vipps-userinfo-api/userinfo`, { headers: { authorization: `Bearer ${t.body.access_token}` } })).json()) as any).family_name).toBe('Nordmann');
    const replay = await token(emu, { grant_type: 'urn:vipps:params:grant-type:ciba-redirect', code });
    expect(replay.body.error).toBe('invalid_grant');
  });

  it('refuses a redirect_uri the client did not register', async () => {
    const r = await start({ login_hint: `urn:msisdn:${USER}`, scope: 'openid', requested_flow: 'login_to_webpage', redirect_uri: 'https://evil.example/cb' });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_request');
  });
});

describe('client credentials in Basic', () => {
  it('a secret with + works sent as it is (curl -u) and form-encoded (RFC 6749 2.3.1)', async () => {
    let merchant: { clientId: string; clientSecret: string } | undefined;
    for (let i = 0; i < 40 && !merchant; i += 1) {
      const made = await emu.call('POST', '/devkit/v1/merchants', { anonymous: true, body: {} });
      if (made.body.clientSecret.includes('+')) merchant = made.body;
    }
    expect(merchant, 'a merchant whose secret has a +').toBeDefined();
    const startWith = async (id: string, secret: string) =>
      (await fetch(`${emu.url}${CIBA}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
        body: new URLSearchParams({ login_hint: `urn:msisdn:${USER}`, scope: 'openid' }).toString(),
      })).status;
    expect(await startWith(merchant!.clientId, merchant!.clientSecret)).toBe(200);
    expect(await startWith(encodeURIComponent(merchant!.clientId), encodeURIComponent(merchant!.clientSecret))).toBe(200);
    expect(await startWith(merchant!.clientId, merchant!.clientSecret.replace('+', '-'))).toBe(401);
  });
});
