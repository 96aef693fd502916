// Run with: node --test examples/testing/node-test.test.mjs   (after npm run build)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startEmulator, startWebhookReceiver } from 'vipps-devkit/testing';

let vipps;
let hooks;
before(async () => {
  vipps = await startEmulator();
  hooks = await startWebhookReceiver();
  vipps.routeVippsApis(); // fetch() to apitest.vipps.no now reaches the emulator
});
after(async () => {
  await hooks.close();
  await vipps.close();
});

test('a payment approved in the app is AUTHORIZED, and the shop hears of it', async () => {
  const headers = { ...(await vipps.apiHeaders()), 'content-type': 'application/json' };
  const hook = await fetch('https://apitest.vipps.no/webhooks/v1/webhooks', {
    method: 'POST', headers, body: JSON.stringify({ url: hooks.url, events: ['epayments.payment.authorized.v1'] }),
  }).then((r) => r.json());
  hooks.secret = hook.secret;

  const created = await fetch('https://apitest.vipps.no/epayment/v1/payments', {
    method: 'POST', headers: { ...headers, 'idempotency-key': 'order-1001' },
    body: JSON.stringify({ amount: { currency: 'NOK', value: 1000 }, paymentMethod: { type: 'WALLET' }, reference: 'order-1001', userFlow: 'WEB_REDIRECT', returnUrl: 'https://shop.example/return' }),
  });
  assert.equal(created.status, 201);

  await vipps.approvePayment('order-1001');
  const webhook = await hooks.waitFor((w) => w.json?.reference === 'order-1001');
  assert.equal(webhook.json.name, 'AUTHORIZED');
  assert.equal(webhook.verified, true);
});

test('an unapproved payment expires after ten minutes of simulated time', async () => {
  const headers = { ...(await vipps.apiHeaders()), 'content-type': 'application/json', 'idempotency-key': 'order-1002' };
  await fetch('https://apitest.vipps.no/epayment/v1/payments', {
    method: 'POST', headers,
    body: JSON.stringify({ amount: { currency: 'NOK', value: 500 }, paymentMethod: { type: 'WALLET' }, reference: 'order-1002', userFlow: 'WEB_REDIRECT', returnUrl: 'https://shop.example/return' }),
  });
  await vipps.advanceClock('11m');
  const payment = await fetch('https://apitest.vipps.no/epayment/v1/payments/order-1002', { headers: await vipps.apiHeaders() }).then((r) => r.json());
  assert.equal(payment.state, 'EXPIRED');
});
