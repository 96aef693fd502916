import type { DatabaseHandle } from '../../db/open.js';
import { changeMarkOf, listDocuments, ownersOf, type ActivityItem, type ActivitySource } from '../../platform/activity.js';
import type { Payment } from './domain.js';
import { paymentStore } from './store.js';
import { paymentView } from './views.js';

const TABLE = { table: 'epayment_payments', idColumn: 'reference', stateColumn: 'state', createdColumn: 'created_at' };

const item = (p: Payment): ActivityItem => ({
  kind: 'payment',
  api: 'epayment',
  msn: p.msn,
  id: p.reference,
  state: p.state,
  amount: p.amount,
  description: p.paymentDescription ?? null,
  phoneNumber: p.userPhoneNumber ?? p.customer?.phoneNumber ?? null,
  createdAt: p.createdAt,
  owner: p.owner ?? null,
  related: p.owner === 'checkout' ? [{ kind: 'session', id: p.reference }] : [],
});

/** ePayment's payments for the dashboard and the control API's listing (platform/activity.ts). */
export function epaymentActivity(database: DatabaseHandle): ActivitySource {
  return {
    kind: 'payment',
    api: 'epayment',
    states: ['CREATED', 'AUTHORIZED', 'ABORTED', 'EXPIRED', 'TERMINATED'],
    async list(q) {
      return (await listDocuments(database.db, TABLE, q)).map((d) => item(JSON.parse(d) as Payment));
    },
    async get(msn, reference) {
      const stored = await paymentStore.load(database.db, msn, reference);
      if (!stored) return undefined;
      const events = await paymentStore.events(database.db, msn, reference);
      return {
        item: item(stored.payment),
        timeline: events.map((e) => ({ at: e.timestamp, name: e.name, amount: e.amount, success: e.success, detail: e.idempotencyKey ? `Idempotency-Key ${e.idempotencyKey}` : null })),
        document: paymentView(stored.payment),
      };
    },
    owners: (reference) => ownersOf(database.db, TABLE, reference),
    changeMark: () => changeMarkOf(database.db, 'epayment_payments', 'event_count'),
  };
}
