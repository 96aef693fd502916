/**
 * The charge row (src/apis/recurring/store.ts): the document holds only what the columns do not,
 * and no null field; a charge reads back as it was written, and a row written before that change
 * (the whole object in its document) reads the same.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../../src/db/open.js';
import type { Charge } from '../../../src/apis/recurring/domain.js';
import { recurringMigrations } from '../../../src/apis/recurring/migrations.js';
import { chargeDocument, chargeStore } from '../../../src/apis/recurring/store.js';

let database: DatabaseHandle;
beforeAll(async () => {
  database = await openDatabase({ kind: 'sqlite', file: ':memory:' }, Object.entries(recurringMigrations));
});
afterAll(async () => {
  await database?.close();
});

const charge = (id: string, over: Partial<Charge> = {}): Charge => ({
  msn: '123456', id, agreementId: 'agr_0000001', externalId: null, externalAgreementId: 'ext-a', amount: 1000, currency: 'NOK', description: 'Monthly',
  due: '2030-01-01', retryDays: 2, status: 'DUE', type: 'RECURRING', transactionType: 'DIRECT_CAPTURE', transactionId: null, failureReason: null, failureDescription: null,
  reserved: 0, captured: 0, refunded: 0, cancelled: 0, history: [{ occurred: '2029-12-01T10:00:00.000Z', event: 'CREATE', amount: 1000, idempotencyKey: 'k1', success: true }],
  created: '2029-12-01T10:00:00.000Z', reservedAt: null, capturedAt: null, attempts: 0, nextAt: '2030-01-01T07:00:00.000Z', ...over,
});

describe('Recurring charge rows', () => {
  it('stores neither the columns nor the nulls in the document, and reads the charge back whole', async () => {
    const c = charge('chr-store01');
    const doc = JSON.parse(chargeDocument(c));
    for (const key of ['msn', 'id', 'agreementId', 'due', 'status', 'nextAt', 'created', 'externalId', 'transactionId', 'failureReason', 'reservedAt']) expect(doc).not.toHaveProperty(key);
    expect(chargeDocument(c).length).toBeLessThan(JSON.stringify(c).length * 0.7);
    await database.commands.run((trx) => chargeStore.insert(trx, c));
    expect((await chargeStore.load(database.db, '123456', c.id))?.value).toEqual(c);
    const charged = charge('chr-store01', { status: 'CHARGED', transactionId: '1234567890', reserved: 1000, captured: 1000, capturedAt: '2030-01-01T08:00:00.000Z', nextAt: null });
    await database.commands.run(async (trx) => chargeStore.update(trx, (await chargeStore.load(trx, '123456', c.id))!, charged));
    expect((await chargeStore.load(database.db, '123456', c.id))?.value).toEqual(charged);
    expect((await chargeStore.ofAgreement(database.db, '123456', 'agr_0000001')).map((s) => s.value)).toEqual([charged]);
  });

  it('reads a row whose document is the whole charge (written before)', async () => {
    const c = charge('chr-legacy1', { failureReason: 'user_action_required', failureDescription: 'User action required', status: 'FAILED', nextAt: null });
    await sql`insert into recurring_charges (msn, due, id, agreement_id, status, next_at, created_at, version, document) values (${c.msn}, ${c.due}, ${c.id}, ${c.agreementId}, ${c.status}, ${c.nextAt}, ${c.created}, 1, ${JSON.stringify(c)})`.execute(database.db);
    expect((await chargeStore.load(database.db, '123456', c.id))?.value).toEqual(c);
  });
});
