import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { startMerchant } from '../helpers/merchant.js';
import { pgUnreachable, testPgUrl } from '../helpers/postgres.js';
import { startReceiver } from '../helpers/receiver.js';
import { skipNote } from '../helpers/skip.js';

/** The shared-deployment mode: several emulator instances on one PostgreSQL database. */
const url = testPgUrl;
const schema = `devkit_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

// Decided before the suite is collected, so that a machine without PostgreSQL reports these tests
// as skipped, with the reason in the suite's name.
const unreachable = await pgUnreachable(url);
const skipReason = unreachable === undefined ? undefined : `no PostgreSQL at ${url}: ${unreachable}`;
if (skipReason) console.log(`PostgreSQL tests skipped: ${skipReason}`);

describe.skipIf(skipReason !== undefined)(`PostgreSQL shared deployment${skipNote(skipReason)}`, () => {
  let a: TestEmulator | undefined;
  let b: TestEmulator | undefined;

  beforeAll(async () => {
    const database = { kind: 'postgres' as const, url, schema };
    // Retries come within milliseconds (the delivery test below).
    a = await startTestEmulator({ database, retryCompression: 1000 });
    b = await startTestEmulator({ database, retryCompression: 1000 });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  });

  it('two instances share merchants, keys and payments', async () => {
    expect(b!.merchant.clientId).toBe(a!.merchant.clientId);
    const { reference, response } = await a!.createPayment();
    expect(response.status).toBe(201);
    // A token from instance A is accepted by instance B: one signing key in the database.
    const seen = await b!.call('GET', `/epayment/v1/payments/${reference}`, { headers: { authorization: `Bearer ${a!.token}` } });
    expect(seen.status).toBe(200);
    expect(seen.body.state).toBe('CREATED');
  });

  it('runs the flow and never over-captures under concurrent captures from both instances', async () => {
    const { reference } = await a!.createPayment({ amount: { currency: 'NOK', value: 1000 } });
    expect((await b!.call('POST', `/epayment/v1/test/payments/${reference}/approve`, { body: {} })).status).toBe(200);
    const attempts = Array.from({ length: 12 }, (_, i) =>
      (i % 2 ? a! : b!).call('POST', `/epayment/v1/payments/${reference}/capture`, { idempotencyKey: randomUUID(), body: { modificationAmount: { currency: 'NOK', value: 200 } } }),
    );
    const results = await Promise.all(attempts);
    // 429: six captures reach each instance, one more than capture's limit per reference (each instance counts its own).
    for (const r of results) expect([200, 400, 423, 429]).toContain(r.status);
    const ok = results.filter((r) => r.status === 200).length;
    const payment = await a!.call('GET', `/epayment/v1/payments/${reference}`);
    expect(payment.body.aggregate.capturedAmount.value).toBe(ok * 200);
    expect(payment.body.aggregate.capturedAmount.value).toBeLessThanOrEqual(1000);
    const events = await b!.call('GET', `/epayment/v1/payments/${reference}/events`);
    expect(events.body.filter((e: any) => e.name === 'CAPTURED')).toHaveLength(ok);

    const refund = await b!.call('POST', `/epayment/v1/payments/${reference}/refund`, { idempotencyKey: randomUUID(), body: { modificationAmount: { currency: 'NOK', value: 100 } } });
    expect(refund.status).toBe(200);
    expect(refund.body.aggregate.refundedAmount.value).toBe(100);
  });

  it('eCom v2 on PostgreSQL: initiate on one instance, approve and capture on the other, never over-capturing', async () => {
    const orderId = `pg-ecom-${randomUUID().slice(0, 8)}`;
    const init = await a!.call('POST', '/ecomm/v2/payments', {
      body: {
        customerInfo: {},
        merchantInfo: { merchantSerialNumber: a!.merchant.msn, callbackPrefix: 'https://shop.example/cb', fallBack: 'https://shop.example/fb' },
        transaction: { orderId, amount: 1000, transactionText: 'Shared' },
      },
    });
    expect(init.status, init.text).toBe(200);
    const approve = await b!.call('POST', `/ecomm/v2/integration-test/payments/${orderId}/approve`, { body: { customerPhoneNumber: '97777776', token: String(init.body.url).split('=', 3)[2] } });
    expect(approve.status, approve.text).toBe(200);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? a! : b!).call('POST', `/ecomm/v2/payments/${orderId}/capture`, { body: { merchantInfo: { merchantSerialNumber: a!.merchant.msn }, transaction: { amount: 200, transactionText: 'part' } } }),
      ),
    );
    for (const r of results) expect([200, 400, 409, 429]).toContain(r.status);
    const ok = results.filter((r) => r.status === 200).length;
    const details = await a!.call('GET', `/ecomm/v2/payments/${orderId}/details`);
    expect(details.body.transactionSummary.capturedAmount).toBe(ok * 200);
    expect(details.body.transactionSummary.capturedAmount).toBeLessThanOrEqual(1000);
    expect(details.body.transactionLogHistory.filter((e: any) => e.operation === 'CAPTURE')).toHaveLength(ok);
  });

  it('eCom express on PostgreSQL: instance A offers the merchant\'s shipping methods in the app, instance B approves with the chosen one', async () => {
    const shop = await startMerchant();
    try {
      const orderId = `pg-express-${randomUUID().slice(0, 8)}`;
      const init = await a!.call('POST', '/ecomm/v2/payments', {
        body: {
          customerInfo: {},
          merchantInfo: {
            merchantSerialNumber: a!.merchant.msn,
            callbackPrefix: `${shop.base}/cb`,
            fallBack: `${shop.base}/fb`,
            paymentType: 'eComm Express Payment',
            shippingDetailsPrefix: `${shop.base}/shipping`,
            consentRemovalPrefix: `${shop.base}/consents`,
          },
          transaction: { orderId, amount: 1000, transactionText: 'Shared express' },
        },
      });
      expect(init.status, init.text).toBe(200);
      const token = String(init.body.url).split('=', 3)[2]!;
      // The user continues on A's landing page; A's app shows the request with the merchant's shipping methods.
      const cont = await fetch(`${a!.url}/landing`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, phoneNumber: '97777776', action: 'continue' }).toString(),
      });
      expect(cont.status).toBe(303);
      const app = await (await fetch(`${a!.url}/app/4797777776`)).text();
      expect(app).toContain('Running');
      expect(shop.shippingRequests()).toHaveLength(1);
      // Were B to ask the merchant again it would get other methods, and 321abc would be unknown.
      shop.state.shippingOptions = [{ isDefault: 'Y', priority: 1, shippingCost: 5, shippingMethod: 'Other', shippingMethodId: 'other' }];

      const approve = await b!.call('POST', `/devkit/v1/ecom/payments/${orderId}/approve`, { body: { phoneNumber: '4797777776', shippingMethodId: '321abc' } });
      expect(approve.status, approve.text).toBe(200);
      expect(shop.shippingRequests()).toHaveLength(1);
      await shop.until(() => shop.callbacks(orderId).length === 1);
      const callback = shop.callbacks(orderId)[0]!.json;
      expect(callback.transactionInfo).toMatchObject({ amount: 1000 + 19900, status: 'RESERVE' });
      expect(callback.shippingDetails).toMatchObject({ shippingMethodId: '321abc', shippingMethod: 'Running', shippingCost: 199 });
      const details = await a!.call('GET', `/ecomm/v2/payments/${orderId}/details`);
      expect(details.body.shippingDetails).toMatchObject({ shippingMethodId: '321abc', shippingCost: 199 });
    } finally {
      await shop.close();
    }
  });

  it('faults: one added on A acts on B after the sweep; cleared on B, it is resolved on A too', async () => {
    const added = await a!.call('POST', '/devkit/v1/faults', { anonymous: true, body: { type: 'errors', api: 'epayment', rate: 1, status: 503, message: 'shared fault' } });
    expect(added.status, added.text).toBe(201);
    const { fault, incident } = added.body;
    await expect.poll(async () => (await b!.call('GET', '/epayment/v1/payments/no-such-payment')).status, { timeout: 5_000 }).toBe(503);
    const onB = (await b!.call('GET', '/api/v2/incidents/unresolved.json', { anonymous: true })).body.incidents.map((i: any) => i.id);
    expect(onB).toContain(incident.id);
    // B decides on what is in the database, not on its copy in memory.
    const cleared = await b!.call('DELETE', `/devkit/v1/faults/${fault.id}`, { anonymous: true });
    expect(cleared.status, cleared.text).toBe(200);
    expect(cleared.body.incident.status).toBe('resolved');
    expect((await a!.call('DELETE', `/devkit/v1/faults/${fault.id}`, { anonymous: true })).status).toBe(404);
    await expect.poll(async () => (await a!.call('GET', '/epayment/v1/payments/no-such-payment')).status, { timeout: 5_000 }).toBe(404);
    const onA = (await a!.call('GET', '/api/v2/incidents.json', { anonymous: true })).body.incidents.find((i: any) => i.id === incident.id);
    expect(onA.status).toBe('resolved');
  });


  // Before the clock jumps below: a payment created on an instance that has not followed a jump yet would be expired on the other.
  it('delivers each event once, in order per payment, whichever instance wrote it', async () => {
    let createdFailures = 0;
    const references = Array.from({ length: 6 }, (_, i) => `pg-delivery-${i}-${randomUUID().slice(0, 8)}`);
    // The first payment's CREATED fails twice: its later events, written on the other instance, wait.
    const receiver = await startReceiver((r) => (r.json?.reference === references[0] && r.json?.name === 'CREATED' && createdFailures++ < 2 ? 503 : 200));
    const events = ['created', 'authorized', 'captured'].map((e) => `epayments.payment.${e}.v1`);
    const hook = await a!.call('POST', '/webhooks/v1/webhooks', { body: { url: receiver.url(), events } });
    expect(hook.status).toBe(201);
    try {
      for (const [i, reference] of references.entries()) {
        const [one, other] = i % 2 ? [a!, b!] : [b!, a!];
        expect((await one.createPayment({ reference, amount: { currency: 'NOK', value: 500 } })).response.status).toBe(201);
        expect((await other.call('POST', `/epayment/v1/test/payments/${reference}/approve`, { body: {} })).status).toBe(200);
        const capture = await one.call('POST', `/epayment/v1/payments/${reference}/capture`, { idempotencyKey: randomUUID(), body: { modificationAmount: { currency: 'NOK', value: 500 } } });
        expect(capture.status).toBe(200);
      }
      const ok = (ref: string) => receiver.received.filter((r) => r.json?.reference === ref && r.answered === 200);
      await receiver.until(() => references.every((ref) => ok(ref).length >= 3), 20_000);
      // Every delivery of these payments is settled (nothing pending on either instance): no duplicate can still come.
      await expect
        .poll(async () => {
          const log = (await b!.call('GET', `/devkit/v1/deliveries?webhookId=${hook.body.id}&limit=1000`)).body.deliveries as Array<{ reference: string; status: string }>;
          return log.filter((d) => references.includes(d.reference) && d.status !== 'delivered').length;
        }, { timeout: 10_000 })
        .toBe(0);
      for (const ref of references) {
        const seen = receiver.received.filter((r) => r.json?.reference === ref).map((r) => `${r.json.name}:${r.answered}`);
        const expected = ['CREATED:200', 'AUTHORIZED:200', 'CAPTURED:200'];
        expect(seen).toEqual(ref === references[0] ? ['CREATED:503', 'CREATED:503', ...expected] : expected);
      }
    } finally {
      await a!.call('DELETE', `/webhooks/v1/webhooks/${hook.body.id}`);
      await receiver.close();
    }
  });

  it('expires payments through the clock on PostgreSQL too', async () => {
    const { reference } = await a!.createPayment();
    await a!.call('POST', '/devkit/v1/clock/advance', { body: { duration: '11m' } });
    expect((await a!.call('GET', `/epayment/v1/payments/${reference}`)).body.state).toBe('EXPIRED');
  });

  // Last: the 2-hour jump also expires the access tokens the other tests use.
  it('an instance sees merchants and clock jumps made through another within a second or two', async () => {
    const created = await a!.call('POST', '/devkit/v1/merchants', { body: { name: 'Made on A' } });
    expect(created.status).toBe(201);
    const before = (await b!.call('GET', '/devkit/v1/clock')).body.offsetMilliseconds;
    await a!.call('POST', '/devkit/v1/clock/advance', { body: { duration: '2h' } });
    await expect
      .poll(
        async () => {
          const merchants = (await b!.call('GET', '/devkit/v1/merchants')).body.merchants.map((m: any) => m.msn);
          const seen = merchants.includes(created.body.msn);
          const clockFollowed = (await b!.call('GET', '/devkit/v1/clock')).body.offsetMilliseconds >= before + 2 * 3_600_000;
          return { seen, clockFollowed };
        },
        { timeout: 5_000, interval: 200 },
      )
      .toEqual({ seen: true, clockFollowed: true });
    // The new merchant's keys work on B.
    const m = b!.ctx.merchants.get(created.body.msn)!;
    expect((await b!.fetchToken(m)).split('.')).toHaveLength(3);
  });
});
