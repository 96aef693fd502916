import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu?.close();
});

const getToken = (headers: Record<string, string>, path = '/accesstoken/get', extra: RequestInit = {}) =>
  http(`${emu.url}${path}`, { method: 'POST', headers, ...extra });
const keys = () => ({ client_id: emu.merchant.clientId, client_secret: emu.merchant.clientSecret, 'Ocp-Apim-Subscription-Key': emu.merchant.subscriptionKey });

describe('POST /accesstoken/get', () => {
  it('returns the documented fields, numbers as strings, and an RS256 JWT that the JWKS verifies', async () => {
    const res = await getToken({ ...keys(), 'Merchant-Serial-Number': emu.merchant.msn });
    expect(res.status).toBe(200);
    const b = res.body;
    expect(b.token_type).toBe('Bearer');
    expect(b.expires_in).toBe('3599');
    expect(b.resource).toBe('00000002-0000-0000-c000-000000000000');
    for (const f of ['expires_in', 'ext_expires_in', 'expires_on', 'not_before']) expect(typeof b[f]).toBe('string');
    const now = Math.floor(emu.ctx.clock.now().getTime() / 1000);
    expect(Number(b.expires_on) - now).toBeGreaterThan(3590);
    expect(Number(b.expires_on) - Number(b.not_before)).toBe(3599 + 300);
    expect(decodeProtectedHeader(b.access_token).alg).toBe('RS256');

    const jwks = await http(`${emu.url}/accesstoken/jwks`, { method: 'GET' });
    const { payload } = await jwtVerify(b.access_token, createLocalJWKSet(jwks.body), { audience: b.resource });
    expect(payload.appid).toBe(emu.merchant.clientId);
    expect(payload.exp).toBe(Number(b.expires_on));
  });

  it('accepts the guides\' spelling /accessToken/get and an empty form body', async () => {
    const res = await getToken({ ...keys(), 'content-type': 'application/x-www-form-urlencoded' }, '/accessToken/get', { body: '' });
    expect(res.status).toBe(200);
  });

  it('refuses wrong or missing credentials with the documented status and body', async () => {
    const noKey = await getToken({ client_id: emu.merchant.clientId, client_secret: emu.merchant.clientSecret });
    expect(noKey.status).toBe(401);
    expect(noKey.body).toEqual({ statusCode: 401, message: expect.stringContaining('missing subscription key') });

    const badKey = await getToken({ ...keys(), 'Ocp-Apim-Subscription-Key': '0'.repeat(32) });
    expect(badKey.status).toBe(401);
    expect(badKey.body.message).toContain('invalid subscription key');

    const unknownClient = await getToken({ ...keys(), client_id: '11111111-2222-3333-4444-555555555555' });
    expect(unknownClient.status).toBe(400);
    expect(unknownClient.body).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
    expect(unknownClient.body.error_description).toMatch(/^AADSTS700016:/);
    for (const f of ['timestamp', 'trace_id', 'correlation_id', 'error_uri']) expect(unknownClient.body[f]).toEqual(expect.any(String));

    const badSecret = await getToken({ ...keys(), client_secret: 'wrong' });
    expect(badSecret.status).toBe(401);
    expect(badSecret.body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });

    const noClient = await getToken({ client_secret: 'x', 'Ocp-Apim-Subscription-Key': emu.merchant.subscriptionKey });
    expect(noClient.status).toBe(400);
    expect(noClient.body.error).toBe('invalid_request');

    const foreignMsn = await getToken({ ...keys(), 'Merchant-Serial-Number': '999999' });
    expect(foreignMsn.status).toBe(400);
  });
});

describe('API authentication', () => {
  const get = (headers: Record<string, string | undefined>) => emu.call('GET', '/epayment/v1/payments/auth-test-ref', { headers });

  it('lets a valid token through (404 for the unknown reference)', async () => {
    expect((await get({})).status).toBe(404);
  });

  it('refuses a missing, garbled or non-Bearer token with 401', async () => {
    for (const authorization of [undefined, 'Bearer', 'Bearer abc.def.ghi', `bearer ${emu.token}`, emu.token]) {
      const res = await get({ authorization });
      expect({ authorization, status: res.status }).toEqual({ authorization, status: 401 });
      expect(res.body).toEqual({ statusCode: 401, message: 'Unauthorized. Access token is missing or invalid.' });
    }
  });

  it('refuses a token signed by another key', async () => {
    const [h, p] = emu.token.split('.');
    const forged = `${h}.${p}.${Buffer.from('not the signature').toString('base64url')}`;
    expect((await get({ authorization: `Bearer ${forged}` })).status).toBe(401);
  });

  it('refuses a missing or wrong subscription key', async () => {
    const missing = await get({ 'ocp-apim-subscription-key': undefined });
    expect(missing.status).toBe(401);
    expect(missing.body.message).toContain('missing subscription key');
    const wrong = await get({ 'ocp-apim-subscription-key': 'f'.repeat(32) });
    expect(wrong.status).toBe(401);
    expect(wrong.body.message).toContain('invalid subscription key');
  });

  it('refuses another merchant\'s subscription key, MSN and references', async () => {
    const other = await emu.call('POST', '/devkit/v1/merchants', { body: { name: 'Other shop' } });
    expect(other.status).toBe(201);
    const keyMismatch = await get({ 'ocp-apim-subscription-key': other.body.subscriptionKey });
    expect(keyMismatch.status).toBe(401);

    const foreignMsn = await get({ 'merchant-serial-number': other.body.msn });
    expect(foreignMsn.status).toBe(403);
    expect(foreignMsn.body.title).toBe('Forbidden');

    // A payment of the other merchant is invisible to this one.
    const otherToken = await emu.fetchToken(emu.ctx.merchants.get(other.body.msn));
    const headers = { authorization: `Bearer ${otherToken}`, 'ocp-apim-subscription-key': other.body.subscriptionKey, 'merchant-serial-number': other.body.msn };
    const created = await emu.call('POST', '/epayment/v1/payments', {
      headers,
      idempotencyKey: 'other-1',
      body: { amount: { currency: 'NOK', value: 500 }, paymentMethod: { type: 'WALLET' }, reference: 'shared-reference-1', userFlow: 'WEB_REDIRECT', returnUrl: 'https://x.example/r' },
    });
    expect(created.status).toBe(201);
    expect((await emu.call('GET', '/epayment/v1/payments/shared-reference-1')).status).toBe(404);
    // References are unique per MSN, not globally.
    const mine = await emu.createPayment({ reference: 'shared-reference-1' });
    expect(mine.response.status).toBe(201);
  });

  it('requires Merchant-Serial-Number on ePayment', async () => {
    const res = await get({ 'merchant-serial-number': undefined });
    expect(res.status).toBe(400);
    expect(res.body.extraDetails).toContainEqual({ name: 'Merchant-Serial-Number', reason: 'is required' });
    expect((await get({ 'merchant-serial-number': 'abc' })).status).toBe(400);
  });

  it('refuses a token once it has expired by the emulator\'s clock', async () => {
    const token = await emu.fetchToken();
    expect((await get({ authorization: `Bearer ${token}` })).status).toBe(404);
    await emu.call('POST', '/devkit/v1/clock/advance', { body: { duration: '61m' } });
    const res = await get({ authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    expect(res.body.message).toBe('Unauthorized. Access token has expired.');
  });
});
