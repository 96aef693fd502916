import type { PublishedEvent } from '../../platform/event-bus.js';
import type { EventType } from '../module.js';
import type { Payment, PaymentEvent } from './domain.js';

/** Webhook event types of ePayment (Webhooks API events list), by the payment event's name. */
export const EPAYMENT_EVENT_TYPES = {
  CREATED: 'epayments.payment.created.v1',
  ABORTED: 'epayments.payment.aborted.v1',
  EXPIRED: 'epayments.payment.expired.v1',
  CANCELLED: 'epayments.payment.cancelled.v1',
  CAPTURED: 'epayments.payment.captured.v1',
  REFUNDED: 'epayments.payment.refunded.v1',
  AUTHORIZED: 'epayments.payment.authorized.v1',
  TERMINATED: 'epayments.payment.terminated.v1',
} as const;

export const epaymentEventTypes: readonly EventType[] = Object.entries(EPAYMENT_EVENT_TYPES).map(([name, type]) => ({
  type,
  description: `The payment's ${name} event (see GET /epayment/v1/payments/{reference}/events).`,
}));

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

/** A payment's new events, numbered from `firstSeq`, as published events. */
export function publishedEvents(payment: Payment, events: readonly PaymentEvent[], firstSeq: number): PublishedEvent[] {
  return events.map((event, i) => ({
    type: EPAYMENT_EVENT_TYPES[event.name],
    msn: payment.msn,
    reference: payment.reference,
    seq: firstSeq + i,
    payload: epaymentWebhookPayload(payment.msn, event),
  }));
}
