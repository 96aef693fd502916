import type { Transaction } from 'kysely';
import type { Payment, PaymentEvent } from '../apis/epayment/domain.js';
import type { EventSink } from '../apis/epayment/service.js';
import { EPAYMENT_EVENT_TYPES } from '../apis/webhooks/events.js';
import type { WebhookSubscriptions } from '../apis/webhooks/subscriptions.js';
import type { Database } from '../db/schema.js';
import type { Clock } from '../platform/clock.js';
import type { IdSource } from '../platform/ids.js';
import { pendingDelivery } from './rows.js';

/** The webhook body of an ePayment event: the same shape for every event, only `name` differs. */
export function epaymentWebhookPayload(msn: string, event: PaymentEvent) {
  return {
    msn,
    reference: event.reference,
    pspReference: event.pspReference,
    name: event.name,
    amount: event.amount,
    timestamp: event.timestamp,
    idempotencyKey: event.idempotencyKey,
    success: event.success,
  };
}

/**
 * Writes what is owed to webhooks in the same transaction as the payment's change: if the
 * change commits, the deliveries exist; if it rolls back, they never did.
 */
export function epaymentOutbox(clock: Clock, ids: IdSource, webhooks: WebhookSubscriptions, written: () => void): EventSink {
  return async (trx: Transaction<Database>, payment: Payment, events: PaymentEvent[], firstSeq: number) => {
    const hooks = await webhooks.list(trx, payment.msn);
    if (hooks.length === 0) return;
    const now = clock.now().toISOString();
    const rows = events.flatMap((event, i) => {
      const type = EPAYMENT_EVENT_TYPES[event.name];
      const eventId = ids.uuid();
      const payload = JSON.stringify(epaymentWebhookPayload(payment.msn, event));
      return hooks
        .filter((h) => h.events.includes(type))
        .map((h) =>
          pendingDelivery(
            { id: ids.uuid(), event_id: eventId, webhook_id: h.id, msn: payment.msn, reference: payment.reference, event_seq: firstSeq + i, event_type: type, payload },
            now,
          ),
        );
    });
    if (rows.length === 0) return;
    await trx.insertInto('deliveries').values(rows).execute();
    written();
  };
}
