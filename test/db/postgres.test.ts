import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { pgUnreachable, testPgUrl } from '../helpers/postgres.js';
import { startReceiver } from '../helpers/receiver.js';

/** The shared-deployment mode: several emulator instances on one PostgreSQL database. */
const url = testPgUrl;
const schema = `devkit_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

// Decided before the suite is collected, so that a machine without PostgreSQL reports these tests as skipped.
const skipReason = await pgUnreachable(url);
if (skipReason) console.log(`PostgreSQL tests skipped: no database at ${url} (${skipReason})`);
let a: TestEmulator | undefined;
let b: TestEmulator | undefined;

beforeAll(async () => {
  if (skipReason) return;
  const database = { kind: 'postgres' as const, url, schema };
  // Retries come within milliseconds (the delivery test below).
  a = await startTestEmulator({ database, retryCompression: 1000 });
  b = await startTestEmulator({ database, retryCompression: 1000 });
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  if (!skipReason) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
});

describe.skipIf(skipReason !== undefined)('PostgreSQL shared deployment', () => {
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
    for (const r of results) expect([200, 400, 423]).toContain(r.status);
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
    for (const r of results) expect([200, 400, 409]).toContain(r.status);
    const ok = results.filter((r) => r.status === 200).length;
    const details = await a!.call('GET', `/ecomm/v2/payments/${orderId}/details`);
    expect(details.body.transactionSummary.capturedAmount).toBe(ok * 200);
    expect(details.body.transactionSummary.capturedAmount).toBeLessThanOrEqual(1000);
    expect(details.body.transactionLogHistory.filter((e: any) => e.operation === 'CAPTURE')).toHaveLength(ok);
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
      // Let a duplicate show up, if there were to be one.
      await new Promise((r) => setTimeout(r, 500));
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
    const deadline = Date.now() + 5_000;
    let seen = false;
    let clockFollowed = false;
    while (Date.now() < deadline && !(seen && clockFollowed)) {
      const merchants = (await b!.call('GET', '/devkit/v1/merchants')).body.merchants.map((m: any) => m.msn);
      seen = merchants.includes(created.body.msn);
      clockFollowed = (await b!.call('GET', '/devkit/v1/clock')).body.offsetMilliseconds >= before + 2 * 3_600_000;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect({ seen, clockFollowed }).toEqual({ seen: true, clockFollowed: true });
    // The new merchant's keys work on B.
    const m = b!.ctx.merchants.get(created.body.msn)!;
    expect((await b!.fetchToken(m)).split('.')).toHaveLength(3);
  });
});
