import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * An event an API publishes about one of its objects, already in its webhook shape: `type` is the
 * Webhooks API's event name, `payload` the body a webhook receives. `seq` orders the events of one
 * object (`msn` + `reference`): deliveries keep that order per receiver.
 */
export interface PublishedEvent {
  type: string;
  msn: string;
  reference: string;
  seq: number;
  payload: unknown;
}

export type EventSubscriber = (trx: Transaction<Database>, events: readonly PublishedEvent[]) => Promise<void>;

/**
 * In-process and transactional: `publish` runs every subscriber inside the publishing command's
 * transaction, so what the subscribers write (webhook deliveries) commits or rolls back with the
 * change that caused it. APIs publish; the Webhooks API subscribes; neither knows the other.
 */
export class EventBus {
  private readonly subscribers: EventSubscriber[] = [];

  subscribe(subscriber: EventSubscriber): void {
    this.subscribers.push(subscriber);
  }

  async publish(trx: Transaction<Database>, events: readonly PublishedEvent[]): Promise<void> {
    if (events.length === 0) return;
    for (const subscriber of this.subscribers) await subscriber(trx, events);
  }
}
