import type { DatabaseHandle } from '../../db/open.js';
import { changeMarkOf, listDocuments, ownersOf, type ActivityItem, type ActivitySource, type TimelineEntry } from '../../platform/activity.js';
import type { Session } from './domain.js';
import { sessionStore } from './store.js';

const TABLE = { table: 'checkout_sessions', idColumn: 'reference', stateColumn: 'state', createdColumn: 'created_at' };

const item = (s: Session): ActivityItem => ({
  kind: 'session',
  api: 'checkout',
  msn: s.msn,
  id: s.reference,
  state: s.state,
  amount: s.amount,
  description: s.paymentDescription,
  phoneNumber: s.customer?.phoneNumber ?? s.prefill?.phoneNumber ?? null,
  createdAt: s.createdAt,
  owner: null,
  // The session's payment is an ePayment payment with the session's reference.
  related: s.state === 'SessionCreated' ? [] : [{ kind: 'payment', id: s.reference }],
});

/** Checkout's sessions for the dashboard and the control API's listing (platform/activity.ts). */
export function checkoutActivity(database: DatabaseHandle): ActivitySource {
  return {
    kind: 'session',
    api: 'checkout',
    states: ['SessionCreated', 'PaymentInitiated', 'SessionExpired', 'PaymentSuccessful', 'PaymentTerminated'],
    async list(q) {
      return (await listDocuments(database.db, TABLE, q)).map((d) => item(JSON.parse(d) as Session));
    },
    async get(msn, reference) {
      const stored = await sessionStore.load(database.db, msn, reference);
      if (!stored) return undefined;
      const s = stored.session;
      // A session keeps its state, not a log: what it holds says what happened.
      const timeline: TimelineEntry[] = [
        { at: s.createdAt, name: 'SessionCreated', amount: s.amount, success: true, detail: null },
        ...(s.paymentMethod ? [{ at: s.endedAt ?? s.createdAt, name: 'PaymentInitiated', amount: s.amount, success: true, detail: `${s.paymentMethod}${s.shipping ? `, shipping ${JSON.stringify(s.shipping).slice(0, 120)}` : ''}` }] : []),
        ...(s.state !== 'SessionCreated' && s.state !== 'PaymentInitiated' ? [{ at: s.endedAt ?? s.createdAt, name: s.state, amount: null, success: s.state === 'PaymentSuccessful', detail: s.paymentState ? `payment ${s.paymentState}` : null }] : []),
      ];
      const { token: _token, ...session } = s;
      return { item: item(s), timeline, document: session };
    },
    owners: (reference) => ownersOf(database.db, TABLE, reference),
    changeMark: () => changeMarkOf(database.db, 'checkout_sessions', 'version'),
  };
}
