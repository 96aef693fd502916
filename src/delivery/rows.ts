import type { DeliveriesTable } from '../db/schema.js';

/**
 * What an API owes: one request to a merchant. The row carries everything the engine needs to
 * send it — target, headers, signing secret, limits — and its ordering channel (`webhook_id`,
 * with `msn` and `reference`; `event_seq` orders within it).
 */
export type NewDelivery = Pick<DeliveriesTable, 'id' | 'event_id' | 'webhook_id' | 'msn' | 'reference' | 'event_seq' | 'event_type' | 'payload'> & {
  target_url: string;
  headers?: string | null;
  /** Signs each attempt as the Webhooks API does; leave out for unsigned callbacks. */
  signing_secret?: string | null;
  max_attempts?: number | null;
  timeout_ms?: number | null;
};

/** Every column of a pending row, as the outbox writes it and the dispatcher reads it. */
export type PendingDelivery = Required<DeliveriesTable> & { target_url: string };

/** A `deliveries` row that is due now and has not been tried, held by its writer until `leaseUntil`. */
export function pendingDelivery(fields: NewDelivery, now: string, leaseUntil: string | null): PendingDelivery {
  return {
    id: fields.id,
    event_id: fields.event_id,
    webhook_id: fields.webhook_id,
    msn: fields.msn,
    reference: fields.reference,
    event_seq: fields.event_seq,
    event_type: fields.event_type,
    payload: fields.payload,
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    lease_until: leaseUntil,
    last_error: null,
    created_at: now,
    delivered_at: null,
    target_url: fields.target_url,
    headers: fields.headers ?? null,
    max_attempts: fields.max_attempts ?? null,
    timeout_ms: fields.timeout_ms ?? null,
    signing_secret: fields.signing_secret ?? null,
  };
}
