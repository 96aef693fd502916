// Run with: NODE_OPTIONS=--experimental-vm-modules npx jest --config examples/testing/jest.config.json   (after npm run build)
// Jest runs ES modules with that Node flag; no transform is needed for plain JavaScript.
import { afterAll, beforeAll, beforeEach, expect, test } from '@jest/globals';
import { startEmulator, startWebhookReceiver } from 'vipps-devkit/testing';

let vipps;
let hooks;
beforeAll(async () => {
  vipps = await startEmulator();
  hooks = await startWebhookReceiver();
});
afterAll(async () => {
  await hooks.close();
  await vipps.close();
});
beforeEach(() => vipps.reset());

async function createPayment(reference, value) {
  const res = await fetch(`${vipps.url}/epayment/v1/payments`, {
    method: 'POST',
    headers: { ...(await vipps.apiHeaders()), 'content-type': 'application/json', 'idempotency-key': `create-${reference}` },
    body: JSON.stringify({ amount: { currency: 'NOK', value }, paymentMethod: { type: 'WALLET' }, reference, userFlow: 'WEB_REDIRECT', returnUrl: 'https://shop.example/return' }),
  });
  expect(res.status).toBe(201);
}

test('a refund reaches the shop as a signed webhook', async () => {
  const headers = { ...(await vipps.apiHeaders()), 'content-type': 'application/json' };
  const hook = await fetch(`${vipps.url}/webhooks/v1/webhooks`, {
    method: 'POST', headers, body: JSON.stringify({ url: hooks.url, events: ['epayments.payment.refunded.v1'] }),
  }).then((r) => r.json());
  hooks.secret = hook.secret;

  await createPayment('order-2001', 4900);
  await vipps.approvePayment('order-2001');
  for (const action of ['capture', 'refund']) {
    const res = await fetch(`${vipps.url}/epayment/v1/payments/order-2001/${action}`, {
      method: 'POST', headers: { ...headers, 'idempotency-key': `${action}-order-2001` },
      body: JSON.stringify({ modificationAmount: { currency: 'NOK', value: 4900 } }),
    });
    expect(res.status).toBe(200);
  }
  const webhook = await hooks.waitFor((w) => w.json?.reference === 'order-2001');
  expect(webhook).toMatchObject({ verified: true, json: { name: 'REFUNDED', amount: { value: 4900 } } });
});

test('a payment the user rejects is ABORTED', async () => {
  await createPayment('order-2002', 1000);
  await vipps.rejectPayment('order-2002');
  const payment = await fetch(`${vipps.url}/epayment/v1/payments/order-2002`, { headers: await vipps.apiHeaders() }).then((r) => r.json());
  expect(payment.state).toBe('ABORTED');
});
