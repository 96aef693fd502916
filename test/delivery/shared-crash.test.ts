import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startServeProcess, stopProcess, type Banner } from '../helpers/cli.js';
import { http, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { pgUnreachable, testPgUrl } from '../helpers/postgres.js';
import { startReceiver } from '../helpers/receiver.js';
import { skipNote } from '../helpers/skip.js';

/**
 * Shared PostgreSQL: an instance killed with deliveries owed. What it had not started sending is
 * another instance's to send at once, not after the minute-long lease of a delivery in flight.
 */
const unreachable = await pgUnreachable();
const skipReason = unreachable === undefined ? undefined : `no PostgreSQL at ${testPgUrl}: ${unreachable}`;
const schema = `devkit_crash_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
/** The dispatcher's connections (src/delivery/dispatcher.ts): this many deliveries are in flight at once. */
const IN_FLIGHT = 32;
const PAYMENTS = IN_FLIGHT + 8;

let survivor: TestEmulator | undefined;
afterAll(async () => {
  await survivor?.close();
  if (skipReason) return;
  const client = new pg.Client({ connectionString: testPgUrl });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.end();
});

async function api(b: Banner, token: string, method: string, p: string, body?: unknown, key?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'ocp-apim-subscription-key': b.subscriptionKey, 'merchant-serial-number': b.merchantSerialNumber };
  if (key) headers['idempotency-key'] = key;
  return http(`${b.url}${p}`, { method, headers, signal: AbortSignal.timeout(5_000), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

describe.skipIf(skipReason !== undefined)(`kill -9 of one instance on shared PostgreSQL${skipNote(skipReason)}`, () => {
  it('another instance sends at once what the dead one owed but had not sent', { timeout: 60_000 }, async () => {
    // The killed instance's connections hang on the receiver: all of its sends are in flight.
    let answering = false;
    const receiver = await startReceiver(() => (answering ? 200 : 'hang'));
    const first = await startServeProcess(['--database-url', testPgUrl, '--database-schema', schema, '--delivery-timeout', '60000']);
    const b = first.banner;
    try {
      const token = (await http(`${b.url}/accesstoken/get`, { method: 'POST', headers: { client_id: b.clientId, client_secret: b.clientSecret, 'ocp-apim-subscription-key': b.subscriptionKey } })).body.access_token as string;
      expect((await api(b, token, 'POST', '/webhooks/v1/webhooks', { url: receiver.url(), events: ['epayments.payment.authorized.v1'] })).status).toBe(201);
      const references = Array.from({ length: PAYMENTS }, (_, i) => `shared-crash-${i}`);
      for (const reference of references) {
        const created = await api(b, token, 'POST', '/epayment/v1/payments', { amount: { currency: 'NOK', value: 1000 }, paymentMethod: { type: 'WALLET' }, reference, userFlow: 'WEB_REDIRECT', returnUrl: 'https://shop.example/r' }, `key-${reference}`);
        expect(created.status).toBe(201);
        expect((await api(b, token, 'POST', `/epayment/v1/test/payments/${reference}/approve`, {})).status).toBe(200);
      }
      await receiver.until((r) => r.length >= IN_FLIGHT);
      await stopProcess(first.child, 'SIGKILL');
      const inFlight = new Set(receiver.received.map((r) => r.json.reference as string));
      expect(inFlight.size).toBe(IN_FLIGHT);
      answering = true;

      // A second instance on the same schema sends the rest within seconds (the lease of what was
      // in flight on the dead one runs for a minute: not waited for here).
      survivor = await startTestEmulator({ database: { kind: 'postgres', url: testPgUrl, schema } });
      const owed = references.filter((ref) => !inFlight.has(ref));
      expect(owed).toHaveLength(PAYMENTS - IN_FLIGHT);
      await receiver.until((r) => owed.every((ref) => r.some((x) => x.json?.reference === ref && x.answered === 200)), 10_000);
      for (const ref of owed) expect(receiver.received.filter((x) => x.json?.reference === ref)).toHaveLength(1);
    } finally {
      await stopProcess(first.child, 'SIGKILL').catch(() => undefined);
      await receiver.close();
    }
  });
});
