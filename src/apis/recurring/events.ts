import type { PublishedEvent } from '../../platform/event-bus.js';
import type { EventType } from '../module.js';
import type { Agreement, DomainEvent, EventName } from './domain.js';

const DESCRIPTIONS: Record<EventName, string> = {
  'agreement-activated': 'The user accepted an agreement (or it was force accepted): it is ACTIVE',
  'agreement-rejected': 'The user rejected a pending agreement: it is STOPPED',
  'agreement-stopped': 'An agreement was stopped (by the merchant, or the user in the app)',
  'agreement-expired': 'A pending agreement was not answered in time, or its initial charge failed: it is EXPIRED',
  'charge-reserved': 'A RESERVE_CAPTURE charge was reserved (on its due date, or the initial charge at acceptance)',
  'charge-captured': 'A charge was captured: a DIRECT_CAPTURE charge was charged, or the merchant captured a reserved one',
  'charge-canceled': 'A charge was cancelled (by the merchant, or because its agreement stopped or expired)',
  'charge-failed': 'A charge failed: every attempt until due + retryDays failed (failureReason says why)',
  'charge-refunded': 'The merchant refunded (part of) a charge',
  'charge-creation-failed': 'A charge of the batch endpoint was accepted (202) but could not be created: no such agreement, not ACTIVE, or its orderId taken (failureDescription says why)',
};

export const recurringEventType = (name: EventName) => `recurring.${name}.v1`;

export const recurringEventTypes: readonly EventType[] = (Object.keys(DESCRIPTIONS) as EventName[]).map((name) => ({ type: recurringEventType(name), description: DESCRIPTIONS[name] }));

/**
 * The webhook bodies (reference A6, whose shape is unverified: it comes from third-party clients).
 * Agreement events: msn, eventType, occurred, agreementId, agreementExternalId, actor. Charge events
 * add the charge's id, external id, type, amount, currency, the captured/cancelled/refunded sums,
 * failureReason and transactionId.
 */
export function webhookPayload(a: Pick<Agreement, 'msn' | 'id' | 'externalId'>, e: DomainEvent): Record<string, unknown> {
  const base = { msn: a.msn, eventType: recurringEventType(e.name), occurred: e.at, agreementId: a.id, agreementExternalId: a.externalId ?? null, actor: e.actor };
  const c = e.charge;
  if (!c) return base;
  return {
    ...base,
    chargeId: c.id,
    chargeExternalId: c.externalId,
    chargeType: c.type,
    amount: c.amount,
    currency: c.currency,
    amountCaptured: c.captured,
    amountCanceled: c.cancelled,
    amountRefunded: c.refunded,
    failureReason: c.failureReason,
    transactionId: c.transactionId,
    // A charge that was never created: why (the batch answered it as valid).
    ...(e.name === 'charge-creation-failed' ? { failureDescription: c.failureDescription } : {}),
  };
}

/**
 * As events on the bus. An agreement's own events are ordered by the agreement (seq from its
 * version), a charge's by the charge (seq: its place in the charge's history).
 */
export function published(a: Pick<Agreement, 'msn' | 'id' | 'externalId'>, events: readonly DomainEvent[], agreementSeq: number): PublishedEvent[] {
  let seq = agreementSeq;
  return events.map((e) => ({
    type: recurringEventType(e.name),
    msn: a.msn,
    reference: e.charge ? `${a.id}/${e.charge.id}` : a.id,
    seq: e.charge ? e.charge.history.length : seq++,
    // Built when a subscriber reads it: the calendar publishes an event per charge it takes, and
    // most of them have no webhook registered.
    get payload() {
      return webhookPayload(a, e);
    },
  }));
}
