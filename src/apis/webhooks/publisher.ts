import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Outbox } from '../../delivery/outbox.js';
import type { NewDelivery } from '../../delivery/rows.js';
import type { EventSubscriber, PublishedEvent } from '../../platform/event-bus.js';
import type { IdSource } from '../../platform/ids.js';
import type { WebhookSubscriptions } from './subscriptions.js';

/**
 * The Webhooks API's side of the event bus: every published event becomes one delivery per
 * webhook of its sales unit that subscribed to its type, written in the publishing transaction.
 */
export function webhookPublisher(webhooks: WebhookSubscriptions, outbox: Outbox, ids: IdSource): EventSubscriber {
  return async (trx: Transaction<Database>, events: readonly PublishedEvent[]) => {
    const rows: NewDelivery[] = [];
    for (const event of events) {
      const hooks = await webhooks.list(trx, event.msn);
      if (hooks.length === 0) continue;
      const subscribed = hooks.filter((h) => h.events.includes(event.type));
      if (subscribed.length === 0) continue;
      const eventId = ids.uuid();
      const payload = JSON.stringify(event.payload);
      for (const h of subscribed) {
        // The row carries the webhook's URL and secret: the engine reads no Webhooks table.
        rows.push({ id: ids.uuidv7(), event_id: eventId, webhook_id: h.id, msn: event.msn, reference: event.reference, event_seq: event.seq, event_type: event.type, payload, target_url: h.url, signing_secret: h.secret });
      }
    }
    await outbox.enqueue(trx, rows);
  };
}
