import { Resolver } from 'node:dns/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookRequest } from '../../src/delivery/signing.js';
import { newKey, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { startReceiver } from '../helpers/receiver.js';

const ALL_EVENTS = ['created', 'authorized', 'aborted', 'expired', 'cancelled', 'captured', 'refunded', 'terminated'].map((e) => `epayments.payment.${e}.v1`);

let emu: TestEmulator;
let resolver: Resolver;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  emu = await startTestEmulator({ dnsPort: 0, retryCompression: 1000, deliveryTimeoutMs: 500 });
  resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([`127.0.0.1:${emu.ctx.dns!.port}`]);
});
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await emu.call('POST', '/devkit/v1/request-servers/mt/up');
});
afterAll(async () => {
  await emu?.close();
});

async function receiverWithHook(decide?: Parameters<typeof startReceiver>[0], events = ALL_EVENTS) {
  const receiver = await startReceiver(decide);
  const hook = await emu.call('POST', '/webhooks/v1/webhooks', { body: { url: receiver.url(), events } });
  expect(hook.status).toBe(201);
  cleanups.push(async () => {
    await emu.call('DELETE', `/webhooks/v1/webhooks/${hook.body.id}`);
    await receiver.close();
  });
  return { receiver, hook: hook.body as { id: string; secret: string } };
}
const approve = (reference: string) => emu.call('POST', `/epayment/v1/test/payments/${reference}/approve`, { body: {} });
const activeDns = async () => {
  const servers = (await emu.call('GET', '/devkit/v1/request-servers')).body;
  const hostname: string = servers.deliveringFrom.hostname;
  const [address] = await resolver.resolve4(hostname);
  return { hostname, address, servers };
};
/** The delivery log is written after the receiver has answered: poll it until it shows what the test expects. */
async function deliveryLog(reference: string, ready: (log: any) => boolean) {
  let log: any;
  await expect
    .poll(async () => (log = (await emu.call('GET', `/devkit/v1/deliveries?reference=${reference}`)).body), { timeout: 10_000, interval: 50 })
    .toSatisfy(ready);
  return log;
}
const allDone = (log: any) => log.deliveries.length > 0 && log.deliveries.every((d: any) => d.status !== 'pending');
const ofPayment = (reference: string) => (r: { json: any }) => r.json?.reference === reference;

describe('webhooks from the emulator to a local receiver', () => {
  it('delivers every event, signed, with the documented payload, from the active request server', async () => {
    const { receiver, hook } = await receiverWithHook();
    const { reference } = await emu.createPayment({ amount: { currency: 'NOK', value: 3500 } });
    await approve(reference);
    await emu.call('POST', `/epayment/v1/payments/${reference}/capture`, { idempotencyKey: newKey(), body: { modificationAmount: { currency: 'NOK', value: 3500 } } });
    const got = await receiver.until((r) => r.filter(ofPayment(reference)).length >= 3);
    const mine = got.filter(ofPayment(reference));
    expect(mine.map((r) => r.json.name)).toEqual(['CREATED', 'AUTHORIZED', 'CAPTURED']);
    for (const r of mine) {
      expect({ r: r.headers, ok: verifyWebhookRequest(receiver.url(), r.body, hook.secret, r.headers) }).toMatchObject({ ok: true });
      expect(Object.keys(r.json).sort()).toEqual(['amount', 'idempotencyKey', 'msn', 'name', 'pspReference', 'reference', 'success', 'timestamp']);
      expect(r.json.msn).toBe(emu.merchant.msn);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
    }
    // Each event carries its own pspReference, as in the event log.
    const log = (await emu.call('GET', `/epayment/v1/payments/${reference}/events`)).body;
    expect(mine.map((r) => r.json.pspReference)).toEqual(log.map((e: any) => e.pspReference));

    // The source address is what the built-in DNS says the active request server has.
    const { hostname, address } = await activeDns();
    expect(hostname).toMatch(/^callback-mt-\d\.vipps\.no$/);
    expect(mine.every((r) => r.remoteAddress === address)).toBe(true);

    const deliveries = { body: await deliveryLog(reference, allDone) };
    expect(deliveries.body.deliveries.map((d: any) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
    const attempt = deliveries.body.attempts[0];
    expect(attempt).toMatchObject({ attempt: 1, response: { status: 200 }, error: null, source: { environment: 'mt', hostname, address } });
    expect(attempt.request.headers.authorization).toMatch(/^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=/);
    expect(attempt.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('sends only the subscribed events, to every matching webhook', async () => {
    const a = await receiverWithHook(undefined, ['epayments.payment.authorized.v1']);
    const b = await receiverWithHook(undefined, ['epayments.payment.authorized.v1', 'epayments.payment.created.v1']);
    const { reference } = await emu.createPayment();
    await approve(reference);
    await b.receiver.until((r) => r.filter(ofPayment(reference)).length >= 2);
    await a.receiver.until((r) => r.filter(ofPayment(reference)).length >= 1);
    expect(a.receiver.received.filter(ofPayment(reference)).map((r) => r.json.name)).toEqual(['AUTHORIZED']);
    expect(b.receiver.received.filter(ofPayment(reference)).map((r) => r.json.name)).toEqual(['CREATED', 'AUTHORIZED']);
  });

  it('changes source address together with DNS after a rotation and a failover to DR', async () => {
    const { receiver } = await receiverWithHook();
    const before = await activeDns();

    const rotated = await emu.call('POST', '/devkit/v1/request-servers/mt/rotate');
    expect(rotated.status).toBe(200);
    const afterRotation = await activeDns();
    expect(afterRotation.hostname).not.toBe(before.hostname);
    expect(afterRotation.address).not.toBe(before.address);
    const p1 = await emu.createPayment();
    const [r1] = await receiver.until((r) => r.some(ofPayment(p1.reference))).then((r) => r.filter(ofPayment(p1.reference)));
    expect(r1!.remoteAddress).toBe(afterRotation.address);

    const down = await emu.call('POST', '/devkit/v1/request-servers/mt/down');
    expect(down.body.deliveringFrom.environment).toBe('dr');
    const dr = await activeDns();
    expect(dr.hostname).toMatch(/^callback-dr-\d\.vipps\.no$/);
    const p2 = await emu.createPayment();
    const [r2] = await receiver.until((r) => r.some(ofPayment(p2.reference))).then((r) => r.filter(ofPayment(p2.reference)));
    expect(r2!.remoteAddress).toBe(dr.address);
    const log = (await deliveryLog(p2.reference, allDone)).attempts[0];
    expect(log.source).toEqual({ environment: 'dr', hostname: dr.hostname, address: dr.address });

    await emu.call('POST', '/devkit/v1/request-servers/mt/up');
    const back = await activeDns();
    expect(back.hostname).toBe(afterRotation.hostname);
  });


  it('http://localhost reaches a receiver that listens only on ::1 (tried after 127.0.0.1 refuses), sent without a source binding', async () => {
    const receiver = await startReceiver(undefined, '::1');
    const url = `http://localhost:${receiver.port}/hooks?shop=1`;
    const hook = await emu.call('POST', '/webhooks/v1/webhooks', { body: { url, events: ['epayments.payment.created.v1', 'epayments.payment.authorized.v1'] } });
    expect(hook.status).toBe(201);
    cleanups.push(async () => {
      await emu.call('DELETE', `/webhooks/v1/webhooks/${hook.body.id}`);
      await receiver.close();
    });
    const { reference } = await emu.createPayment();
    await approve(reference);
    const got = await receiver.until((r) => r.filter(ofPayment(reference)).length >= 2);
    const mine = got.filter(ofPayment(reference));
    expect(mine.map((r) => r.json.name)).toEqual(['CREATED', 'AUTHORIZED']);
    for (const r of mine) {
      expect(r.remoteAddress).toBe('::1');
      // The Host header and the signature are those of the URL as registered.
      expect(r.headers.host).toBe(`localhost:${receiver.port}`);
      expect(r.path).toBe('/hooks?shop=1');
      expect(verifyWebhookRequest(url, r.body, hook.body.secret, r.headers)).toBe(true);
    }
    const log = await deliveryLog(reference, allDone);
    expect(log.attempts.map((a: any) => [a.request.url, a.response?.status, a.error])).toEqual([
      [url, 200, null],
      [url, 200, null],
    ]);
  });

  it('any 127.0.0.0/8 target is sent from the active request server; a closed port is logged as refused', async () => {
    const { address } = await activeDns();
    const receiver = await startReceiver(undefined, '127.0.0.2');
    const closed = await startReceiver(undefined, '127.0.0.3');
    await closed.close();
    const hooks: string[] = [];
    for (const url of [receiver.url(), closed.url(), `http://localhost:${closed.port}/gone`]) {
      const hook = await emu.call('POST', '/webhooks/v1/webhooks', { body: { url, events: ['epayments.payment.created.v1'] } });
      expect(hook.status).toBe(201);
      hooks.push(hook.body.id);
    }
    cleanups.push(async () => {
      for (const id of hooks) await emu.call('DELETE', `/webhooks/v1/webhooks/${id}`);
      await receiver.close();
    });
    const { reference } = await emu.createPayment();
    const [r] = await receiver.until((x) => x.some(ofPayment(reference))).then((x) => x.filter(ofPayment(reference)));
    expect(r!.remoteAddress).toBe(address);
    const log = await deliveryLog(reference, (l) => l.attempts.length >= 3);
    const errors = log.attempts.filter((a: any) => a.error).map((a: any) => a.error);
    expect(errors).toContainEqual(expect.stringMatching(/^ECONNREFUSED/));
    expect(errors).toContainEqual(`ECONNREFUSED: nothing listens on localhost:${closed.port} (tried 127.0.0.1 and ::1)`);
  });
});

describe('retries, ordering and timeouts', () => {
  it('a receiver that answers 500 twice then 200 gets the event once, with 3 attempts logged', async () => {
    let failures = 0;
    const { receiver } = await receiverWithHook((r) => (r.json?.name === 'CREATED' && failures++ < 2 ? 500 : 200), ['epayments.payment.created.v1']);
    const { reference } = await emu.createPayment();
    await receiver.until((r) => r.some((x) => ofPayment(reference)(x) && x.answered === 200));
    const mine = receiver.received.filter(ofPayment(reference));
    expect(mine.map((r) => r.answered)).toEqual([500, 500, 200]);
    expect(new Set(mine.map((r) => r.headers['devkit-event-id'])).size).toBe(1);
    const log = await deliveryLog(reference, allDone);
    expect(log.deliveries).toHaveLength(1);
    expect(log.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(log.attempts.map((a: any) => [a.attempt, a.response?.status, a.error])).toEqual([
      [1, 500, 'receiver answered 500'],
      [2, 500, 'receiver answered 500'],
      [3, 200, null],
    ]);
  });

  it('keeps per-payment order: a later event waits for an earlier one that is still failing', async () => {
    let createdFailures = 0;
    const { receiver } = await receiverWithHook((r) => (r.json?.name === 'CREATED' && createdFailures++ < 3 ? 503 : 200));
    const { reference } = await emu.createPayment();
    await approve(reference);
    await emu.call('POST', `/epayment/v1/payments/${reference}/cancel`, { idempotencyKey: newKey() });
    await receiver.until((r) => r.filter((x) => ofPayment(reference)(x) && x.answered === 200).length >= 3);
    const seq = receiver.received.filter(ofPayment(reference)).map((r) => `${r.json.name}:${r.answered}`);
    expect(seq).toEqual(['CREATED:503', 'CREATED:503', 'CREATED:503', 'CREATED:200', 'AUTHORIZED:200', 'CANCELLED:200']);
  });

  it('another payment is not held back by a failing one', async () => {
    let blocked = true;
    const { receiver } = await receiverWithHook((r) => (r.json?.reference === 'blocked-payment-1' && blocked ? 500 : 200), ['epayments.payment.created.v1']);
    await emu.createPayment({ reference: 'blocked-payment-1' });
    const { reference } = await emu.createPayment();
    await receiver.until((r) => r.some((x) => ofPayment(reference)(x) && x.answered === 200));
    blocked = false;
    await receiver.until((r) => r.some((x) => x.json?.reference === 'blocked-payment-1' && x.answered === 200));
  });

  it('a receiver that hangs hits the timeout and is retried', async () => {
    let hung = 0;
    const { receiver } = await receiverWithHook(() => (hung++ === 0 ? 'hang' : 200), ['epayments.payment.created.v1']);
    const { reference } = await emu.createPayment();
    await receiver.until((r) => r.some((x) => ofPayment(reference)(x) && x.answered === 200));
    const log = await deliveryLog(reference, allDone);
    expect(log.attempts[0].error).toBe('timeout: no answer within 500 ms');
    expect(log.attempts[0].response).toBeNull();
    expect(log.attempts[0].latencyMs).toBeGreaterThanOrEqual(450);
    expect(log.attempts[1].response.status).toBe(200);
  });

  it('deleting a webhook drops what is still owed to it', async () => {
    const receiver = await startReceiver(() => 500);
    const hook = await emu.call('POST', '/webhooks/v1/webhooks', { body: { url: receiver.url(), events: ['epayments.payment.created.v1'] } });
    const { reference } = await emu.createPayment();
    await receiver.until((r) => r.some(ofPayment(reference)));
    await emu.call('DELETE', `/webhooks/v1/webhooks/${hook.body.id}`);
    // Wait until nothing is pending any more, then see how the delivery ended.
    const log = await deliveryLog(reference, allDone);
    expect(log.deliveries[0].status).toBe('dropped');
    await receiver.close();
  });
});

describe('built-in DNS server', () => {
  it('answers the request-server names and the API hosts, NXDOMAIN for others', async () => {
    const servers = (await emu.call('GET', '/devkit/v1/request-servers')).body;
    for (const env of servers.environments) {
      for (const s of env.servers) expect(await resolver.resolve4(s.hostname)).toEqual([s.address]);
    }
    expect(await resolver.resolve4('apitest.vipps.no')).toEqual(['127.0.0.1']);
    const ttl = await resolver.resolve4('callback-mt-1.vipps.no', { ttl: true });
    expect(ttl[0]!.ttl).toBeLessThanOrEqual(5);
    await expect(resolver.resolve4('example.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});

// Last: a jump of 91 days also expires the access token the other tests use.
describe('rotation schedule', () => {
  it('rotates on schedule as simulated time passes', async () => {
    const before = await activeDns();
    await emu.call('POST', '/devkit/v1/clock/advance', { body: { duration: '91d' } });
    const after = await activeDns();
    expect(after.hostname).not.toBe(before.hostname);
    expect(after.servers.environments.find((e: any) => e.environment === 'mt').generation).toBe(before.servers.environments.find((e: any) => e.environment === 'mt').generation + 1);
  });
});
