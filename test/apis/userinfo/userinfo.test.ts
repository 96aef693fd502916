// The Userinfo API (profile sharing in payment flows): the sub that ePayment's profile.sub and
// eCom's details give, the consented scopes of the test user, its errors and the 168-hour window.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu?.close();
});

const USER = '4791234567'; // Kari Nordmann, seeded

/** An ePayment payment with a profile scope, approved by the user in the app; its profile.sub. */
async function consentViaEpayment(scope: string, phoneNumber = USER, e: TestEmulator = emu): Promise<string> {
  const { reference, response } = await e.createPayment({ profile: { scope } });
  expect(response.status, response.text).toBe(201);
  const approved = await e.call('POST', `/devkit/v1/payments/${reference}/approve`, { anonymous: true, body: { phoneNumber } });
  expect(approved.status, approved.text).toBe(200);
  const payment = await e.call('GET', `/epayment/v1/payments/${reference}`);
  return payment.body.profile.sub;
}

/** An eCom payment with a scope, approved in the app; the sub of its details. */
async function consentViaEcom(scope: string, phoneNumber = USER): Promise<{ sub: string; details: any }> {
  const orderId = `order-${randomUUID().slice(0, 12)}`;
  const init = await emu.call('POST', '/ecomm/v2/payments', {
    body: { merchantInfo: { merchantSerialNumber: emu.merchant.msn, callbackPrefix: 'https://example.com/cb', fallBack: 'https://example.com/' }, customerInfo: {}, transaction: { orderId, amount: 1000, transactionText: 'Profile', scope } },
  });
  expect(init.status, init.text).toBe(200);
  const approved = await emu.call('POST', `/devkit/v1/ecom/payments/${orderId}/approve`, { anonymous: true, body: { phoneNumber } });
  expect(approved.status, approved.text).toBe(200);
  const details = (await emu.call('GET', `/ecomm/v2/payments/${orderId}/details`)).body;
  return { sub: details.sub, details };
}

/** As the ePayment collection calls it: the merchant's token, the MSN, no subscription key. */
const userinfo = (sub: string, headers: Record<string, string | undefined> = {}) =>
  emu.call('GET', `/vipps-userinfo-api/userinfo/${sub}`, { headers: { 'ocp-apim-subscription-key': undefined, ...headers } });

describe('GET /vipps-userinfo-api/userinfo/{sub}', () => {
  it('returns exactly the claims of each consented scope, the profile as it is now', async () => {
    const expected: Record<string, string[]> = {
      name: ['family_name', 'given_name', 'name'],
      email: ['email', 'email_verified'],
      phoneNumber: ['phone_number'],
      birthDate: ['birthdate'],
      address: ['address', 'other_addresses'],
    };
    for (const [scope, claims] of Object.entries(expected)) {
      // A user of its own per scope, so that earlier consents do not add up.
      const user = await emu.call('POST', '/devkit/v1/users', { anonymous: true, body: { givenName: 'Ada', familyName: 'Lovelace', email: `ada.${scope.toLowerCase()}@example.com`, birthDate: '1990-12-10', address: { streetAddress: 'Suburbia 23', postalCode: '2101', city: 'OSLO' } } });
      const sub = await consentViaEpayment(scope, user.body.phoneNumber);
      expect(sub).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const res = await userinfo(sub);
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
      expect(Object.keys(res.body).sort(), scope).toEqual(['sub', ...claims].sort());
      expect(res.body.sub).toBe(sub);
    }
    const ada = await emu.call('POST', '/devkit/v1/users', { anonymous: true, body: { givenName: 'Ada', familyName: 'Lovelace', email: 'ada@example.com', birthDate: '1990-12-10', address: { streetAddress: 'Suburbia 23', postalCode: '2101', city: 'OSLO' } } });
    const all = await userinfo(await consentViaEpayment('name email phoneNumber birthDate address', ada.body.phoneNumber));
    expect(all.body).toEqual({
      sub: expect.any(String),
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
      email: 'ada@example.com',
      email_verified: true,
      phone_number: ada.body.phoneNumber,
      birthdate: '1990-12-10',
      address: { street_address: 'Suburbia 23', postal_code: '2101', region: 'OSLO', country: 'NO', formatted: 'Suburbia 23\n2101 OSLO\nNO', address_type: 'home', default: true },
      other_addresses: [],
    });
  });

  it('eCom: the sub of the details; nin and accountNumbers (granted on application) come as nin and accounts', async () => {
    const { sub, details } = await consentViaEcom('name nin accountNumbers');
    expect(details.sub).toBe(sub);
    const res = await userinfo(sub);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ sub, name: 'Kari Nordmann', nin: '15068527020', accounts: [{ account_name: expect.any(String), account_number: expect.stringMatching(/^\d{11}$/), bank_name: expect.any(String) }] });
    expect(res.body.email).toBeUndefined();
  });

  it('a user has one sub per sales unit: the same in ePayment and eCom, another for another merchant, refused there (403)', async () => {
    const epaymentSub = await consentViaEpayment('name');
    const { sub: ecomSub } = await consentViaEcom('email');
    expect(ecomSub).toBe(epaymentSub);
    // Both consents count for the sales unit.
    expect(Object.keys((await userinfo(epaymentSub)).body)).toEqual(expect.arrayContaining(['name', 'email']));

    const other = await emu.call('POST', '/devkit/v1/merchants', { anonymous: true, body: { name: 'Other Shop' } });
    expect(other.status).toBe(201);
    const token = await emu.fetchToken(other.body);
    const asOther = { authorization: `Bearer ${token}`, 'merchant-serial-number': other.body.msn };
    const foreign = await userinfo(epaymentSub, asOther);
    expect(foreign.status, foreign.text).toBe(403);
    expect(foreign.body).toMatchObject({ status: '403', title: 'Forbidden', detail: expect.any(String), instance: expect.any(String), type: expect.any(String) });

    // The other merchant gets a sub of its own for the same user; each works with its own keys only.
    const created = await http(`${emu.url}/epayment/v1/payments`, {
      method: 'POST',
      headers: { ...asOther, 'ocp-apim-subscription-key': other.body.subscriptionKey, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ amount: { currency: 'NOK', value: 1000 }, paymentMethod: { type: 'WALLET' }, reference: 'other-shop-1', userFlow: 'WEB_REDIRECT', returnUrl: 'https://example.com/', profile: { scope: 'name' } }),
    });
    expect(created.status, created.text).toBe(201);
    await emu.call('POST', '/devkit/v1/payments/other-shop-1/approve', { anonymous: true, body: { phoneNumber: USER } });
    const otherSub = (await http(`${emu.url}/epayment/v1/payments/other-shop-1`, { headers: { ...asOther, 'ocp-apim-subscription-key': other.body.subscriptionKey } })).body.profile.sub;
    expect(otherSub).not.toBe(epaymentSub);
    expect((await userinfo(otherSub, asOther)).body.name).toBe('Kari Nordmann');
    expect((await userinfo(otherSub)).status).toBe(403);
  });

  it('errors: a malformed sub 400, a sub nobody consented under 404, credentials as at the gateway', async () => {
    const bad = await userinfo('not-a-sub');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status: '400', extraInfo: { sub: { reason: expect.any(String) } } });
    const unknown = await userinfo(randomUUID());
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ status: '404', title: 'Not Found' });
    const sub = await consentViaEpayment('phoneNumber');
    // The subscription key may be sent (the spec marks it required) or left out (the guides); a wrong one is refused.
    expect((await userinfo(sub, { 'ocp-apim-subscription-key': emu.merchant.subscriptionKey })).status).toBe(200);
    expect((await userinfo(sub, { 'ocp-apim-subscription-key': 'wrong' })).status).toBe(401);
    const noToken = await userinfo(sub, { authorization: undefined });
    expect(noToken.status).toBe(401);
    expect(noToken.body).toEqual({ statusCode: 401, message: expect.any(String) });
  });

  it('a payment without a scope gives no sub; rejecting gives no consent', async () => {
    const { reference } = await emu.createPayment();
    await emu.call('POST', `/devkit/v1/payments/${reference}/approve`, { anonymous: true, body: { phoneNumber: USER } });
    expect((await emu.call('GET', `/epayment/v1/payments/${reference}`)).body.profile).toEqual({});
    const user = await emu.call('POST', '/devkit/v1/users', { anonymous: true, body: {} });
    const rejected = await emu.createPayment({ profile: { scope: 'name' } });
    await emu.call('POST', `/devkit/v1/payments/${rejected.reference}/reject`, { anonymous: true, body: { phoneNumber: user.body.phoneNumber } });
    expect((await emu.call('GET', `/epayment/v1/payments/${rejected.reference}`)).body.profile).toEqual({});
  });

  it('a deleted test user\'s profile is gone (404); made again with the same number, the old sub stays gone', async () => {
    const user = await emu.call('POST', '/devkit/v1/users', { anonymous: true, body: {} });
    const sub = await consentViaEpayment('name', user.body.phoneNumber);
    expect((await userinfo(sub)).status).toBe(200);
    await emu.call('DELETE', `/devkit/v1/users/${user.body.phoneNumber}`, { anonymous: true });
    expect((await userinfo(sub)).status).toBe(404);
    await emu.call('POST', '/devkit/v1/users', { anonymous: true, body: { phoneNumber: user.body.phoneNumber } });
    expect((await userinfo(sub)).status).toBe(404);
    expect(await consentViaEpayment('name', user.body.phoneNumber)).not.toBe(sub);
  });
});

describe('the 168-hour window (on the emulator clock)', () => {
  it('after 168 hours the values read "[Expired]"; a new consent opens the window again', async () => {
    const e = await startTestEmulator();
    try {
      const sub = await consentViaEpayment('name address', USER, e);
      const get = async () => {
        const token = await e.fetchToken(); // tokens live an hour: one per look after a jump
        return e.call('GET', `/vipps-userinfo-api/userinfo/${sub}`, { headers: { authorization: `Bearer ${token}` } });
      };
      await e.call('POST', '/devkit/v1/clock/advance', { anonymous: true, body: { duration: '167h' } });
      expect((await get()).body.name).toBe('Kari Nordmann');
      await e.call('POST', '/devkit/v1/clock/advance', { anonymous: true, body: { duration: '1h' } });
      const expired = await get();
      expect(expired.status).toBe(200);
      expect(expired.body).toEqual({
        sub,
        name: '[Expired]',
        given_name: '[Expired]',
        family_name: '[Expired]',
        address: { street_address: '[Expired]', postal_code: '[Expired]', region: '[Expired]', country: '[Expired]', formatted: '[Expired]', address_type: '[Expired]' },
        other_addresses: [],
      });
      // A reset forgets consents.
      const again = await (async () => {
        const reference = `order-${randomUUID().slice(0, 12)}`;
        const created = await e.call('POST', '/epayment/v1/payments', {
          idempotencyKey: randomUUID(),
          headers: { authorization: `Bearer ${await e.fetchToken()}` },
          body: { amount: { currency: 'NOK', value: 1000 }, paymentMethod: { type: 'WALLET' }, reference, userFlow: 'WEB_REDIRECT', returnUrl: 'https://example.com/', profile: { scope: 'name' } },
        });
        expect(created.status, created.text).toBe(201);
        await e.call('POST', `/devkit/v1/payments/${reference}/approve`, { anonymous: true, body: { phoneNumber: USER } });
        return get();
      })();
      expect(again.body.name).toBe('Kari Nordmann');
      expect(again.body.address.street_address).toBe('[Expired]');
      await e.call('POST', '/devkit/v1/reset', { anonymous: true });
      expect((await get()).status).toBe(404);
    } finally {
      await e.close();
    }
  });
});
