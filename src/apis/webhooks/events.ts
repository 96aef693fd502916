/**
 * Event types of APIs the emulator does not serve yet: still accepted at registration, as the real
 * API accepts them. Each API module lists the types it emits itself (ApiModule.events); when an API
 * lands, its types move there.
 */
export const ANNOUNCED_EVENT_TYPES: readonly string[] = [
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
];

/** At most this many registrations per event type per sales unit. */
export const MAX_WEBHOOKS_PER_EVENT = 5;
