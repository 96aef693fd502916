const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Deliveries are given up after a week of failures. */
export const GIVE_UP_AFTER_MS = 7 * DAY;

/**
 * Wait before the next attempt, after `failures` failed attempts: about 2 s for the first four,
 * then 60 s, 120 s, hourly until attempt 29, then daily (the Webhooks API's documented back-off).
 */
export function retryDelayMs(failures: number): number {
  if (failures <= 4) return 2 * SECOND;
  if (failures === 5) return MINUTE;
  if (failures === 6) return 2 * MINUTE;
  if (failures < 29) return HOUR;
  return DAY;
}
