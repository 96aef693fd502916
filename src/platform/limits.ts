/**
 * The emulator's documented limits (docs/security.md): what a client may send, checked before any
 * state changes. Each API answers a breach in its own error shape (400, 413, 431).
 */

/** JSON request bodies: deeper nesting, longer strings, longer arrays or bigger objects are a 400. */
export const JSON_LIMITS = {
  /** Levels of objects and arrays; the APIs' own bodies nest 5 at most. */
  depth: 32,
  /** Characters in one string (keys included). */
  stringLength: 10_000,
  /** Items in one array. */
  arrayItems: 1_000,
  /** Members of one object. */
  objectMembers: 1_000,
} as const;

/** Largest request body, in bytes (`serve` has no flag for it; `startEmulator({ bodyLimit })` does). */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * The latest instant simulated time may reach: 9999-12-31T23:59:59.999Z. Beyond it an ISO-8601
 * timestamp needs a six-digit year (`+010000-…`), which neither the stored timestamps (compared as
 * text) nor clients' parsers expect.
 */
export const MAX_SIMULATED_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The longest duration anything accepts (`clock/advance`, maintenance windows): 10,000 years. */
export const MAX_DURATION_MS = 10_000 * 365.25 * 86_400_000;
