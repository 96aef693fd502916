import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '../../../src/db/open.js';
import { http, newKey, startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { pgUnreachable, testPgUrl } from '../../helpers/postgres.js';
import { startReceiver } from '../../helpers/receiver.js';
import { checkoutHeaders, sessionBody } from '../checkout/helpers.js';
import { createCharge, dateIn, draftBody } from '../recurring/helpers.js';

const pgSkip = await pgUnreachable(testPgUrl);
const pgSchema = `devkit_listings_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const databases: Array<{ name: string; database: DatabaseConfig; skip: string | undefined }> = [
  { name: 'SQLite', database: { kind: 'sqlite', file: ':memory:' }, skip: undefined },
  { name: 'PostgreSQL', database: { kind: 'postgres', url: testPgUrl, schema: pgSchema }, skip: pgSkip && `no database at ${testPgUrl}: ${pgSkip}` },
];

/** The control API's listings (GET /devkit/v1/payments …) and delivery replay (POST /devkit/v1/deliveries/{id}/replay). */
describe.each(databases)('control API listings and replay on $name', ({ name, database, skip }) => {
  if (skip) console.log(`[listings] ${name} skipped: ${skip}`);
  describe.skipIf(skip !== undefined)(`(${name}${skip ? `, skipped: ${skip}` : ''})`, () => tests(database));
});

function tests(database: DatabaseConfig) {
  let emu: TestEmulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const get = (path: string) => http(`${emu.url}/devkit/v1${path}`, { method: 'GET' });

  beforeAll(async () => {
    emu = await startTestEmulator({ database });
    receiver = await startReceiver();
    const hook = await emu.call('POST', '/webhooks/v1/webhooks', { body: { url: receiver.url(), events: ['epayments.payment.created.v1', 'epayments.payment.authorized.v1'] } });
    expect(hook.status).toBe(201);
    for (let i = 0; i < 5; i++) {
      const { response } = await emu.createPayment({ reference: `list-ref-${i}`, paymentDescription: i === 3 ? 'Blue Socks' : 'Hat', amount: { currency: 'NOK', value: 2000 + i * 100 } });
      expect(response.status).toBe(201);
    }
    expect((await http(`${emu.url}/devkit/v1/payments/list-ref-2/approve`, { method: 'POST' })).status).toBe(200);
  });
  afterAll(async () => {
    await receiver?.close();
    await emu?.close();
    if (database.kind === 'postgres') {
      const client = new pg.Client({ connectionString: testPgUrl });
      await client.connect();
      await client.query(`drop schema if exists ${database.schema} cascade`);
      await client.end();
    }
  });

  it('lists payments newest first, filters by state and text, and pages with a cursor', async () => {
    const all = await get('/payments');
    expect(all.status).toBe(200);
    expect(all.body.items.map((i: { id: string }) => i.id)).toEqual(['list-ref-4', 'list-ref-3', 'list-ref-2', 'list-ref-1', 'list-ref-0']);
    expect(all.body.items[0]).toMatchObject({ kind: 'payment', api: 'epayment', msn: emu.merchant.msn, state: 'CREATED', amount: { currency: 'NOK', value: 2400 }, description: 'Hat' });
    expect(all.body.cursor).toBeNull();

    const authorized = await get('/payments?state=AUTHORIZED');
    expect(authorized.body.items.map((i: { id: string }) => i.id)).toEqual(['list-ref-2']);
    const socks = await get('/payments?q=blue%20SOCKS');
    expect(socks.body.items.map((i: { id: string }) => i.id)).toEqual(['list-ref-3']);

    const first = await get('/payments?limit=2');
    expect(first.body.items.map((i: { id: string }) => i.id)).toEqual(['list-ref-4', 'list-ref-3']);
    const second = await get(`/payments?limit=2&cursor=${first.body.cursor}`);
    expect(second.body.items.map((i: { id: string }) => i.id)).toEqual(['list-ref-2', 'list-ref-1']);
    const third = await get(`/payments?limit=2&cursor=${second.body.cursor}`);
    expect(third.body.items.map((i: { id: string }) => i.id)).toEqual(['list-ref-0']);
    expect(third.body.cursor).toBeNull();
  });

  it('refuses a bad cursor or limit with a problem naming the field', async () => {
    const bad = await get('/payments?cursor=nonsense');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.stringify(bad.body)).toContain('cursor');
    expect((await get('/payments?limit=0')).status).toBe(400);
    expect((await get('/payments?colour=red')).status).toBe(400);
  });

  it('shows one payment with its event timeline and its webhook deliveries', async () => {
    await receiver.until((r) => r.some((x) => x.json?.reference === 'list-ref-2' && x.json?.name === 'AUTHORIZED'));
    const one = await get('/payments/list-ref-2');
    expect(one.status).toBe(200);
    expect(one.body.timeline.map((e: { name: string }) => e.name)).toEqual(['CREATED', 'AUTHORIZED']);
    expect(one.body.document).toMatchObject({ reference: 'list-ref-2', state: 'AUTHORIZED' });
    await expect.poll(async () => (await get('/payments/list-ref-2')).body.deliveries.attempts.length).toBeGreaterThanOrEqual(2);
    const d = (await get('/payments/list-ref-2')).body.deliveries;
    expect(d.deliveries.map((x: { eventType: string }) => x.eventType).sort()).toEqual(['epayments.payment.authorized.v1', 'epayments.payment.created.v1']);
    expect(d.attempts[0].response.status).toBe(200);
    expect((await get('/payments/nope')).status).toBe(404);
  });

  it('replays a delivery: the receiver gets the same event again, signed, and the log shows both', async () => {
    const d = (await get('/payments/list-ref-2')).body.deliveries.deliveries.find((x: { eventType: string }) => x.eventType === 'epayments.payment.authorized.v1');
    const before = receiver.received.filter((r) => r.json?.reference === 'list-ref-2' && r.json?.name === 'AUTHORIZED');
    expect(before).toHaveLength(1);
    const replay = await http(`${emu.url}/devkit/v1/deliveries/${d.id}/replay`, { method: 'POST' });
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ replayOf: d.id, eventType: 'epayments.payment.authorized.v1', reference: 'list-ref-2', url: receiver.url() });
    const after = await receiver.until((r) => r.filter((x) => x.json?.reference === 'list-ref-2' && x.json?.name === 'AUTHORIZED').length === 2);
    const [original, again] = after.filter((x) => x.json?.reference === 'list-ref-2' && x.json?.name === 'AUTHORIZED');
    expect(again!.body).toBe(original!.body);
    expect(again!.headers.authorization).toMatch(/^HMAC-SHA256 /);
    await expect.poll(async () => (await get('/payments/list-ref-2')).body.deliveries.deliveries.length).toBe(3);
    expect((await http(`${emu.url}/devkit/v1/deliveries/no-such/replay`, { method: 'POST' })).status).toBe(404);
  });

  it('lists eCom orders, Recurring agreements and Checkout sessions the same way', async () => {
    const order = await emu.call('POST', '/ecomm/v2/payments', {
      idempotencyKey: newKey(),
      body: { merchantInfo: { merchantSerialNumber: emu.merchant.msn, callbackPrefix: 'https://shop.example/cb', fallBack: 'https://shop.example/back' }, customerInfo: {}, transaction: { orderId: 'ecom-listed-1', amount: 2500, transactionText: 'Gloves' } },
    });
    expect(order.status).toBe(200);
    const orders = await get('/orders');
    expect(orders.body.items).toEqual([expect.objectContaining({ kind: 'order', id: 'ecom-listed-1', state: 'INITIATE', amount: { currency: 'NOK', value: 2500 }, description: 'Gloves' })]);
    const detail = await get('/orders/ecom-listed-1');
    expect(detail.body.timeline.map((e: { name: string }) => e.name)).toEqual(['INITIATE']);

    expect((await emu.call('POST', '/webhooks/v1/webhooks', { body: { url: receiver.url('/recurring'), events: ['recurring.agreement-activated.v1', 'recurring.charge-captured.v1'] } })).status).toBe(201);
    const agreement = await emu.call('POST', '/recurring/v3/agreements', { idempotencyKey: newKey(), body: draftBody({ productName: 'Listed News' }) });
    expect(agreement.status).toBe(201);
    const id = agreement.body.agreementId as string;
    expect((await emu.call('PATCH', `/recurring/v3/agreements/${id}/accept`, { idempotencyKey: newKey(), body: { phoneNumber: '4791234567' } })).status).toBe(204);
    const charge = await createCharge(emu, id, { due: dateIn(emu, 3) });
    expect(charge.status).toBe(201);
    // Its due date comes: the calendar charges it (a DIRECT_CAPTURE charge is captured).
    expect((await http(`${emu.url}/devkit/v1/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ duration: '4d' }) })).status).toBe(200);
    expect((await http(`${emu.url}/devkit/v1/recurring/process`, { method: 'POST' })).status).toBeLessThan(300);
    expect((await get('/agreements?state=ACTIVE')).body.items).toEqual([expect.objectContaining({ kind: 'agreement', id, state: 'ACTIVE', description: 'Listed News', amount: { currency: 'NOK', value: 2500 } })]);
    expect((await get('/agreements?state=PENDING')).body.items).toEqual([]);
    const agreementDetail = await get(`/agreements/${id}`);
    expect(agreementDetail.body.timeline.map((e: { name: string }) => e.name)).toEqual(expect.arrayContaining(['AGREEMENT CREATED', 'AGREEMENT ACTIVE', 'CHARGE CREATE']));
    expect(agreementDetail.body.timeline.at(-1).detail).toContain(`${charge.body.chargeId} (RECURRING`);
    // The agreement's webhooks and its charges' (whose reference is agreementId/chargeId).
    await expect
      .poll(async () => (await get(`/agreements/${id}`)).body.deliveries.deliveries.map((d: { eventType: string }) => d.eventType).sort())
      .toEqual(['recurring.agreement-activated.v1', 'recurring.charge-captured.v1']);
    expect(JSON.stringify(agreementDetail.body.document)).not.toContain('"token"');

    const session = await emu.call('POST', '/checkout/v3/session', { anonymous: true, headers: checkoutHeaders(emu), body: sessionBody('co-listed-session-1', { callbackUrl: receiver.url('/checkout') }, { logistics: null, configuration: { elements: 'PaymentOnly' } }) });
    expect(session.status).toBe(200);
    expect((await get('/sessions?q=socks')).body.items).toEqual([expect.objectContaining({ kind: 'session', id: 'co-listed-session-1', state: 'SessionCreated', amount: { currency: 'NOK', value: 20000 } })]);
    expect((await get('/sessions/co-listed-session-1')).body.timeline.map((e: { name: string }) => e.name)).toEqual(['SessionCreated']);
  });
}
