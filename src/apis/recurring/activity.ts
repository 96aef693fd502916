import type { DatabaseHandle } from '../../db/open.js';
import { changeMarkOf, listDocuments, ownersOf, type ActivityItem, type ActivitySource, type TimelineEntry } from '../../platform/activity.js';
import type { Agreement } from './domain.js';
import { agreementStore, chargeStore } from './store.js';
import { chargeView } from './views.js';

const TABLE = { table: 'recurring_agreements', idColumn: 'id', stateColumn: 'status', createdColumn: 'created_at' };

const price = (a: Agreement) => (a.pricing.type === 'LEGACY' ? a.pricing.amount : a.pricing.suggestedMaxAmount);

const item = (a: Agreement): ActivityItem => ({
  kind: 'agreement',
  api: 'recurring',
  msn: a.msn,
  id: a.id,
  state: a.status,
  amount: { currency: a.pricing.currency, value: price(a) },
  description: a.productName,
  phoneNumber: a.userPhoneNumber ?? a.phoneNumber ?? null,
  createdAt: a.created,
  owner: null,
  related: [],
});

/** Recurring's agreements (with their charges as the timeline) for the dashboard and the control API (platform/activity.ts). */
export function recurringActivity(database: DatabaseHandle): ActivitySource {
  return {
    kind: 'agreement',
    api: 'recurring',
    states: ['PENDING', 'ACTIVE', 'STOPPED', 'EXPIRED'],
    async list(q) {
      return (await listDocuments(database.db, TABLE, q)).map((d) => item(JSON.parse(d) as Agreement));
    },
    async get(msn, id) {
      const stored = await agreementStore.load(database.db, msn, id);
      if (!stored) return undefined;
      const a = stored.value;
      const charges = (await chargeStore.ofAgreement(database.db, msn, id)).map((c) => c.value);
      const timeline: TimelineEntry[] = [
        { at: a.created, name: 'AGREEMENT CREATED', amount: null, success: true, detail: a.productName },
        ...(a.start ? [{ at: a.start, name: 'AGREEMENT ACTIVE', amount: null, success: true, detail: a.userPhoneNumber ? `accepted by ${a.userPhoneNumber}` : null }] : []),
        ...charges.flatMap((c) =>
          c.history.map((h) => ({ at: h.occurred, name: `CHARGE ${h.event}`, amount: { currency: c.currency, value: h.amount }, success: h.success, detail: `${c.id} (${c.type}, due ${c.due}, now ${c.status})` })),
        ),
        ...(a.stop ? [{ at: a.stop, name: `AGREEMENT ${a.status}`, amount: null, success: true, detail: null }] : []),
      ].sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
      const { token: _token, ...agreement } = a;
      return { item: item(a), timeline, document: { agreement, charges: charges.map(chargeView) } };
    },
    owners: (id) => ownersOf(database.db, TABLE, id),
    changeMark: async () => `${await changeMarkOf(database.db, 'recurring_agreements', 'version')}+${await changeMarkOf(database.db, 'recurring_charges', 'version')}`,
  };
}
