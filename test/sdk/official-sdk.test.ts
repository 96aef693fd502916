import { Client } from '@vippsmobilepay/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeVippsApisTo } from '../../src/testing/route-to-emulator.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
let restore: () => void;
beforeAll(async () => {
  emu = await startTestEmulator();
  restore = routeVippsApisTo(emu.url);
});
afterAll(async () => {
  restore?.();
  await emu?.close();
});

describe('the official Vipps SDK, unmodified, against the emulator', () => {
  it('runs token → create → force approve → capture → refund → info → history', async () => {
    const m = emu.merchant;
    const client = Client({ merchantSerialNumber: m.msn, subscriptionKey: m.subscriptionKey, useTestMode: true, retryRequests: false });
    const token = await client.auth.getToken(m.clientId, m.clientSecret);
    expect(token.ok).toBe(true);
    if (!token.ok) return;
    const t = token.data.access_token;
    const reference = `sdk-${Date.now()}`;
    const created = await client.payment.create(t, {
      amount: { currency: 'NOK', value: 2500 },
      paymentMethod: { type: 'WALLET' },
      reference,
      userFlow: 'WEB_REDIRECT',
      returnUrl: 'https://shop.example/return',
      paymentDescription: 'Official SDK',
    });
    expect(created).toMatchObject({ ok: true, data: { reference } });
    expect((await client.payment.forceApprove(t, reference, { customer: { phoneNumber: '4797777776' } })).ok).toBe(true);
    const captured = await client.payment.capture(t, reference, { modificationAmount: { currency: 'NOK', value: 2500 } });
    expect(captured).toMatchObject({ ok: true, data: { aggregate: { capturedAmount: { value: 2500 } } } });
    expect((await client.payment.refund(t, reference, { modificationAmount: { currency: 'NOK', value: 500 } })).ok).toBe(true);
    const info = await client.payment.info(t, reference);
    expect(info).toMatchObject({ ok: true, data: { state: 'AUTHORIZED', aggregate: { refundedAmount: { value: 500 } } } });
    const history = await client.payment.history(t, reference);
    expect(history.ok && history.data.map((e) => e.name)).toEqual(['CREATED', 'AUTHORIZED', 'CAPTURED', 'REFUNDED']);
  });

  it('surfaces the emulator\'s errors through the SDK\'s error type', async () => {
    const m = emu.merchant;
    const client = Client({ merchantSerialNumber: m.msn, subscriptionKey: m.subscriptionKey, useTestMode: true, retryRequests: false });
    const bad = await client.auth.getToken(m.clientId, 'wrong-secret');
    expect(bad.ok).toBe(false);
    const token = await client.auth.getToken(m.clientId, m.clientSecret);
    if (!token.ok) throw new Error('no token');
    const missing = await client.payment.info(token.data.access_token, 'no-such-payment-1');
    expect(missing.ok).toBe(false);
  });

  it('creates a Checkout session and reads it back with checkout.create / checkout.info', async () => {
    const m = emu.merchant;
    const client = Client({ merchantSerialNumber: m.msn, subscriptionKey: m.subscriptionKey, useTestMode: true, retryRequests: false });
    const reference = `sdk-co-${Date.now()}`;
    const created = await client.checkout.create(m.clientId, m.clientSecret, {
      type: 'PAYMENT',
      merchantInfo: { callbackUrl: 'https://shop.example/callback', returnUrl: 'https://shop.example/return', callbackAuthorizationToken: 'sdk-token' },
      transaction: { amount: { currency: 'NOK', value: 10000 }, reference, paymentDescription: 'Official SDK checkout' },
      logistics: { fixedOptions: [{ brand: 'POSTEN', type: 'MAILBOX', id: 'mailbox', priority: 0, isDefault: true, amount: { currency: 'NOK', value: 4900 } }] },
      configuration: { elements: 'Full', userFlow: 'WEB_REDIRECT' },
    });
    expect(created).toMatchObject({ ok: true, data: { checkoutFrontendUrl: `${emu.url}/vippscheckout/v1/`, pollingUrl: `${emu.url}/checkout/v3/session/${reference}` } });
    const info = await client.checkout.info(m.clientId, m.clientSecret, reference);
    expect(info).toMatchObject({ ok: true, data: { reference, sessionState: 'SessionCreated', merchantSerialNumber: m.msn } });
    const unknown = await client.checkout.info(m.clientId, m.clientSecret, 'no-such-session-1');
    expect(unknown.ok).toBe(false);
  });
});
