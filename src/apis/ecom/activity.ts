import type { DatabaseHandle } from '../../db/open.js';
import { changeMarkOf, listDocuments, ownersOf, type ActivityItem, type ActivitySource } from '../../platform/activity.js';
import type { EcomPayment } from './domain.js';
import { ecomStore } from './store.js';
import { detailsView } from './views.js';

const TABLE = { table: 'ecom_payments', idColumn: 'order_id', stateColumn: 'state', createdColumn: 'created_at' };

const item = (p: EcomPayment): ActivityItem => ({
  kind: 'order',
  api: 'ecom',
  msn: p.msn,
  id: p.orderId,
  state: p.state,
  amount: { currency: 'NOK', value: p.amount },
  description: p.transactionText,
  phoneNumber: p.userPhoneNumber ?? p.mobileNumber ?? null,
  createdAt: p.createdAt,
  owner: null,
  related: [],
});

/** eCom's orders for the dashboard and the control API's listing (platform/activity.ts). */
export function ecomActivity(database: DatabaseHandle): ActivitySource {
  return {
    kind: 'order',
    api: 'ecom',
    states: ['INITIATE', 'RESERVE', 'SALE', 'CANCEL', 'VOID', 'REJECTED'],
    async list(q) {
      return (await listDocuments(database.db, TABLE, q)).map((d) => item(JSON.parse(d) as EcomPayment));
    },
    async get(msn, orderId) {
      const stored = await ecomStore.load(database.db, msn, orderId);
      if (!stored) return undefined;
      const p = stored.payment;
      return {
        item: item(p),
        timeline: p.log.map((e) => ({ at: e.timeStamp, name: e.operation, amount: { currency: 'NOK', value: e.amount }, success: e.operationSuccess, detail: e.requestId ? `X-Request-Id ${e.requestId}` : null })),
        document: detailsView(p),
      };
    },
    owners: (orderId) => ownersOf(database.db, TABLE, orderId),
    changeMark: () => changeMarkOf(database.db, 'ecom_payments', 'version'),
  };
}
