// Run with: npx vitest run examples/testing/vitest.test.ts   (after npm run build)
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { startEmulator, type TestEmulator } from 'vipps-devkit/testing';

let vipps: TestEmulator;
beforeAll(async () => {
  vipps = await startEmulator();
});
afterAll(() => vipps.close());
// Each test starts from no payments and the clock at its start; keys stay valid.
beforeEach(() => vipps.reset());

it('captures what the user approved', async () => {
  const headers = { ...(await vipps.apiHeaders()), 'content-type': 'application/json' };
  const payments = `${vipps.url}/epayment/v1/payments`;
  await fetch(payments, {
    method: 'POST', headers: { ...headers, 'idempotency-key': 'create-order-1007' },
    body: JSON.stringify({ amount: { currency: 'NOK', value: 2500 }, paymentMethod: { type: 'WALLET' }, reference: 'order-1007', userFlow: 'WEB_REDIRECT', returnUrl: 'https://shop.example/return' }),
  });
  await vipps.approvePayment('order-1007');
  const capture = await fetch(`${payments}/order-1007/capture`, {
    method: 'POST', headers: { ...headers, 'idempotency-key': 'capture-order-1007' },
    body: JSON.stringify({ modificationAmount: { currency: 'NOK', value: 2500 } }),
  });
  expect(capture.status).toBe(200);
  expect((await capture.json()).aggregate.capturedAmount.value).toBe(2500);
});
