import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { checkoutHeaders, createSession, getSession, newReference, sessionBody, startShop } from './helpers.js';

let emu: TestEmulator;
let shop: Awaited<ReturnType<typeof startShop>>;
beforeAll(async () => {
  emu = await startTestEmulator();
  shop = await startShop();
});
afterAll(async () => {
  await shop?.close();
  await emu?.close();
});

/** Drives the page's forms over HTTP as a browser would (the Chromium tests do it with a real one). */
async function form(path: string, fields: Record<string, string>) {
  return fetch(`${emu.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: emu.url }, body: new URLSearchParams(fields).toString() });
}

describe('Checkout v3 sessions', () => {
  it('creates a session with the raw keys and answers token, frontend URL and polling URL', async () => {
    const reference = newReference();
    const res = await createSession(emu, sessionBody(reference, shop));
    expect(res.status).toBe(200);
    expect(res.body.checkoutFrontendUrl).toBe(`${emu.url}/vippscheckout/v1/`);
    expect(res.body.pollingUrl).toBe(`${emu.url}/checkout/v3/session/${reference}`);
    const payload = JSON.parse(Buffer.from(res.body.token.split('.')[1], 'base64url').toString());
    expect(payload.sessionId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(payload.sessionPollingURL).toBe(res.body.pollingUrl);
    const info = await getSession(emu, reference);
    expect(info.status).toBe(200);
    expect(info.body).toEqual({ sessionId: payload.sessionId, merchantSerialNumber: emu.merchant.msn, reference, sessionState: 'SessionCreated' });
  });

  it('refuses a taken reference with 409 and an unknown one with Session-00100', async () => {
    const reference = newReference();
    expect((await createSession(emu, sessionBody(reference, shop))).status).toBe(200);
    const again = await createSession(emu, sessionBody(reference, shop));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: 409, errorCode: 'Session-00200' });
    const { reference: paid } = await emu.createPayment({ reference: newReference() });
    expect((await createSession(emu, sessionBody(paid, shop))).status).toBe(409);
    const unknown = await getSession(emu, newReference());
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ title: 'Session expired or not known.', errorCode: 'Session-00100', errors: {} });
  });

  it('checks credentials: no bearer token needed, wrong secret 401 in Checkout shape, foreign MSN 403, no key is the gateway 401', async () => {
    const body = sessionBody(newReference(), shop);
    const wrong = await emu.call('POST', '/checkout/v3/session', { anonymous: true, headers: { ...checkoutHeaders(emu), client_secret: 'nope' }, body });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ status: 401, errorCode: 'Auth-00001' });
    const msn = await emu.call('POST', '/checkout/v3/session', { anonymous: true, headers: { ...checkoutHeaders(emu), 'merchant-serial-number': '999999' }, body });
    expect(msn.status).toBe(403);
    expect(msn.body.errorCode).toBe('Auth-00003');
    const noKey = await emu.call('POST', '/checkout/v3/session', { anonymous: true, headers: { ...checkoutHeaders(emu), 'ocp-apim-subscription-key': undefined }, body });
    expect(noKey.status).toBe(401);
    expect(noKey.body).toMatchObject({ statusCode: 401 });
  });

  it('answers validation errors as Validation-00001 with .NET field names', async () => {
    const missing = await createSession(emu, { merchantInfo: { callbackUrl: shop.callbackUrl, returnUrl: 'https://x.example', callbackAuthorizationToken: 't' }, transaction: { amount: { value: 1000, currency: 'NOK' }, paymentDescription: 'abc' } });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ errorCode: 'Validation-00001', errors: { 'Transaction.Reference': [expect.any(String)] } });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ transaction: { amount: { value: 99, currency: 'NOK' }, reference: newReference(), paymentDescription: 'Socks' } }, 'Transaction.Amount.Value'],
      [{ transaction: { amount: { value: 1000, currency: 'SEK' }, reference: newReference(), paymentDescription: 'Socks' } }, 'Transaction.Amount.Currency'],
      [{ logistics: { fixedOptions: [{ brand: 'POSTNORD', type: 'MAILBOX', amount: { value: 100, currency: 'NOK' }, id: 'a', priority: 0, isDefault: true }] } }, 'Logistics.FixedOptions[0].Type'],
      [{ logistics: { fixedOptions: [{ brand: 'OTHER', amount: { value: 100, currency: 'NOK' }, id: 'a', priority: 0, isDefault: true }] } }, 'Logistics.FixedOptions[0].Title'],
      [{ logistics: { fixedOptions: [{ brand: 'POSTEN', id: 'a', priority: 0, isDefault: true }] } }, 'Logistics.FixedOptions[0].Amount'],
      [{ configuration: { showOrderSummary: true } }, 'Transaction.OrderSummary'],
      [{ configuration: { customConsent: { text: '[a](https://a.example) and [b](https://b.example)', required: true } } }, 'Configuration.CustomConsent.Text'],
    ];
    for (const [override, field] of cases) {
      const res = await createSession(emu, sessionBody(newReference(), shop, override));
      expect(res.status, field).toBe(400);
      expect(Object.keys(res.body.errors), field).toContain(field);
    }
  });

  it('runs a session through the hosted page: address, dynamic shipping, pay with the app, callback, ePayment capture', async () => {
    const dynamicShop = await startShop({ dynamicOptions: [{ brand: 'POSTNORD', type: 'PICKUP_POINT', id: 'pn-pickup', priority: 0, isDefault: true, amount: { value: 4900, currency: 'NOK' } }] });
    try {
      const reference = newReference();
      const created = await createSession(emu, sessionBody(reference, dynamicShop, { configuration: { requireUserInfo: true } }));
      const token = created.body.token as string;
      const page = await fetch(`${emu.url}/vippscheckout/v1/?token=${encodeURIComponent(token)}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      const details = await form('/vippscheckout/v1/details', { token, firstName: 'Ola', lastName: 'Nordmann', email: 'ola@example.com', phoneNumber: '97777776', streetAddress: 'Robert Levins gate 5', postalCode: '0150', city: 'Oslo', country: 'NO' });
      expect(details.status).toBe(303);
      const asked = dynamicShop.received.find((r) => r.path === '/shipping');
      expect(asked?.json).toEqual({ streetAddress: 'Robert Levins gate 5', postalCode: '0150', region: 'Oslo', country: 'NO' });
      const pay = await form('/vippscheckout/v1/pay', { token, method: 'vipps' });
      expect(pay.status).toBe(303);
      expect(pay.headers.get('location')).toContain('/landing?token=');
      const initiated = await getSession(emu, reference);
      expect(initiated.body).toMatchObject({ sessionState: 'PaymentInitiated', paymentMethod: 'Wallet', paymentDetails: { state: 'CREATED', amount: { value: 24900, currency: 'NOK' } } });
      // The user approves in the app (control API: the same path as the app's approve).
      const approved = await emu.call('POST', `/devkit/v1/payments/${reference}/approve`, { body: { phoneNumber: '4797777776' } });
      expect(approved.status).toBe(200);
      const done = await getSession(emu, reference);
      expect(done.body).toMatchObject({
        sessionState: 'PaymentSuccessful',
        paymentDetails: { state: 'AUTHORIZED', aggregate: { authorizedAmount: { value: 24900 } } },
        shippingDetails: { shippingMethodId: 'pn-pickup', amount: { value: 4900 }, city: 'Oslo', pickupPoint: { country: 'NO' } },
        billingDetails: { firstName: 'Ola', email: 'ola@example.com', phoneNumber: '4797777776' },
        userInfo: { sub: expect.stringMatching(/^[0-9a-f-]{36}$/), email: 'ola@example.com' },
      });
      await expect.poll(() => dynamicShop.callbacks().length, { timeout: 10_000 }).toBe(1);
      const callback = dynamicShop.callbacks()[0]!;
      expect(callback.headers.authorization).toBe('secret-callback-token-1');
      expect(callback.json).toEqual(done.body);
      // The payment is ePayment's: capture it there.
      const capture = await emu.call('POST', `/epayment/v1/payments/${reference}/capture`, { idempotencyKey: `cap-${reference}`, body: { modificationAmount: { currency: 'NOK', value: 24900 } } });
      expect(capture.status).toBe(200);
      const after = await getSession(emu, reference);
      expect(after.body.paymentDetails.aggregate.capturedAmount.value).toBe(24900);
    } finally {
      await dynamicShop.close();
    }
  });

  it('falls back to the fixed options when the dynamic callback fails, and a declined card keeps the payment waiting', async () => {
    const failing = await startShop({ dynamicStatus: 500 });
    try {
      const reference = newReference();
      const created = await createSession(emu, sessionBody(reference, failing));
      const token = created.body.token as string;
      const details = await form('/vippscheckout/v1/details', { token, firstName: 'Kari', lastName: 'Nordmann', email: 'kari@example.com', phoneNumber: '+4797777777', streetAddress: 'Gata 1', postalCode: '0150', city: 'Oslo', country: 'NO' });
      expect(details.status).toBe(200);
      expect(await details.text()).toContain('data-testid="option-posten-home"');
      expect((await form('/vippscheckout/v1/shipping', { token, shippingMethodId: 'posten-pickup' })).status).toBe(303);
      expect((await form('/vippscheckout/v1/pay', { token, method: 'card' })).status).toBe(303);
      const declined = await form('/vippscheckout/v1/card', { token, number: '4000 0000 0000 0002', expiry: '12/39', cvc: '123' });
      expect(declined.status).toBe(303);
      const cardPage = await (await fetch(`${emu.url}/vippscheckout/v1/?token=${encodeURIComponent(token)}`)).text();
      expect(cardPage).toContain('Refused by issuer');
      expect((await getSession(emu, reference)).body).toMatchObject({ sessionState: 'PaymentInitiated', paymentMethod: 'Card', paymentDetails: { state: 'CREATED', amount: { value: 23000 } } });
      expect((await form('/vippscheckout/v1/cancel', { token })).status).toBe(303);
      expect((await getSession(emu, reference)).body).toMatchObject({ sessionState: 'PaymentTerminated', paymentDetails: { state: 'TERMINATED' } });
      await expect.poll(() => failing.callbacks().map((c) => c.json.sessionState), { timeout: 10_000 }).toEqual(['PaymentTerminated']);
    } finally {
      await failing.close();
    }
  });

  it('pays with a 3-D Secure card after the challenge is approved', async () => {
    const reference = newReference();
    const created = await createSession(emu, sessionBody(reference, shop, { logistics: null, configuration: { elements: 'PaymentOnly' } }));
    const token = created.body.token as string;
    expect((await form('/vippscheckout/v1/pay', { token, method: 'card' })).status).toBe(303);
    const challenge = await form('/vippscheckout/v1/card', { token, number: '4000000000030637', expiry: '01/40', cvc: '999' });
    expect(challenge.status).toBe(200);
    expect(await challenge.text()).toContain('data-testid="3ds-approve"');
    expect((await form('/vippscheckout/v1/3ds', { token, number: '4000000000030637', decision: 'approve' })).status).toBe(303);
    expect((await getSession(emu, reference)).body).toMatchObject({ sessionState: 'PaymentSuccessful', paymentMethod: 'Card', paymentDetails: { state: 'AUTHORIZED', amount: { value: 20000 } } });
  });

  it('userFlow NATIVE_REDIRECT sends the customer to the app switch, and the payment is made with the session\'s customerInteraction', async () => {
    const reference = newReference();
    const created = await createSession(emu, sessionBody(reference, shop, { logistics: null, configuration: { elements: 'PaymentOnly', userFlow: 'NATIVE_REDIRECT', customerInteraction: 'CUSTOMER_NOT_PRESENT' } }));
    const pay = await form('/vippscheckout/v1/pay', { token: created.body.token, method: 'vipps' });
    expect(pay.headers.get('location')).toContain('/app-switch?token=');
    const payment = await emu.call('GET', `/epayment/v1/payments/${reference}`);
    expect(payment.body).toMatchObject({ state: 'CREATED', amount: { value: 20000 } });
  });

  it('expires an unpaid session after one hour on the emulator clock and tells the merchant', async () => {
    const expiring = await startShop();
    try {
      const reference = newReference();
      await createSession(emu, sessionBody(reference, expiring));
      expect((await emu.call('POST', '/devkit/v1/clock/advance', { body: { seconds: 3601 } })).status).toBe(200);
      expect((await getSession(emu, reference)).body).toMatchObject({ sessionState: 'SessionExpired' });
      await expect.poll(() => expiring.callbacks().map((c) => c.json.sessionState), { timeout: 10_000 }).toEqual(['SessionExpired']);
    } finally {
      await expiring.close();
    }
  });
});
