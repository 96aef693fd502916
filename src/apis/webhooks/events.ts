/** Event types a webhook can subscribe to (Webhooks API events list). */
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

/** Types of APIs the emulator does not send yet are still accepted at registration, as the real API does. */
export const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set([
  ...Object.values(EPAYMENT_EVENT_TYPES),
  'recurring.agreement-activated.v1',
  'recurring.agreement-rejected.v1',
  'recurring.agreement-stopped.v1',
  'recurring.agreement-expired.v1',
  'recurring.charge-reserved.v1',
  'recurring.charge-captured.v1',
  'recurring.charge-canceled.v1',
  'recurring.charge-failed.v1',
  'recurring.charge-refunded.v1',
  'recurring.charge-creation-failed.v1',
  'user.checked-in.v1',
]);

/** At most this many registrations per event type per sales unit. */
export const MAX_WEBHOOKS_PER_EVENT = 5;
