import type { DeliveriesTable } from '../db/schema.js';

/** What differs between owed deliveries; the rest of a new row is the same for all of them. */
export type NewDelivery = Pick<DeliveriesTable, 'id' | 'event_id' | 'webhook_id' | 'msn' | 'reference' | 'event_seq' | 'event_type' | 'payload'> &
  Partial<Pick<DeliveriesTable, 'target_url' | 'headers' | 'max_attempts' | 'timeout_ms'>>;

/** A `deliveries` row that is due now and has not been tried: the one shape every outbox writes. */
export function pendingDelivery(fields: NewDelivery, now: string): DeliveriesTable {
  return {
    ...fields,
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    lease_until: null,
    last_error: null,
    created_at: now,
    delivered_at: null,
  };
}
