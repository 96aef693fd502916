/**
 * Rate limits as data. A module declares its documented limits (`ApiModule.rateLimits`); the server
 * puts one check on each limited route, and over the limit the request is answered 429 in that
 * module's error shape, with `Retry-After`. Requests are counted on the emulator's clock, so a test
 * advances the clock past the window instead of sleeping. `serve --rate-limits off` turns it off.
 */
import type { FastifyRequest } from 'fastify';
import type { Clock } from './clock.js';

/** What a limit is counted per; the parts of the key, in order. */
export type RateLimitPart =
  /** The sales unit the credentials belong to (after authentication). */
  | 'msn'
  /** The Ocp-Apim-Subscription-Key header. */
  | 'subscriptionKey'
  /** A path parameter, e.g. the payment's reference. */
  | { param: string }
  /** A field of the JSON body, dotted (`transaction.orderId`); as sent, before validation. */
  | { body: string }
  /** A request header (lower case). */
  | { header: string };

/** One documented limit: at most `limit` requests in any `windowSeconds`, counted per key. */
export interface RateLimit {
  /** A name for messages: "capture". */
  endpoint: string;
  /**
   * The routes it applies to, as the module registers them: `POST /epayment/v1/payments/:reference/capture`.
   * Routes listed together share one count (two spellings of one endpoint).
   */
  routes: readonly string[];
  limit: number;
  windowSeconds: number;
  per: readonly RateLimitPart[];
}

/** What the server needs to answer a limited request: how long until one more is allowed. */
export interface RateLimitHit {
  limit: RateLimit;
  retryAfterSeconds: number;
}

interface Bucket {
  msn: string | undefined;
  /** Instants (emulator clock, ms) of the counted requests still in the window, oldest first. */
  times: number[];
}

const SWEEP_EVERY = 10_000;

function bodyField(body: unknown, path: string): unknown {
  let value = body;
  for (const name of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, name)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

function part(request: FastifyRequest, p: RateLimitPart): string | undefined {
  if (p === 'msn') return request.merchant?.msn;
  const header = (name: string) => {
    const v = request.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  if (p === 'subscriptionKey') return header('ocp-apim-subscription-key');
  if ('param' in p) return (request.params as Record<string, string | undefined>)[p.param];
  if ('header' in p) return header(p.header);
  const v = bodyField(request.body, p.body);
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

/**
 * Counts requests per (limit, key) in a sliding window: a request is let through when fewer than
 * `limit` were counted in the `windowSeconds` before it, and then counted itself. Refused requests
 * are not counted. In memory, per process: on shared PostgreSQL every instance counts its own.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private takes = 0;
  private longestWindowMs = 0;

  constructor(private readonly clock: Clock) {}

  /**
   * Counts the request against `limit` (the `id` tells limits apart); a hit when it is over. A
   * request whose key cannot be made (a part missing) is not counted: validation refuses it anyway.
   */
  take(id: string, limit: RateLimit, request: FastifyRequest): RateLimitHit | undefined {
    let key = id;
    for (const p of limit.per) {
      const value = part(request, p);
      if (value === undefined) return undefined;
      key += `\u0000${value}`;
    }
    const now = this.clock.now().getTime();
    const windowMs = limit.windowSeconds * 1000;
    if (windowMs > this.longestWindowMs) this.longestWindowMs = windowMs;
    if ((this.takes += 1) % SWEEP_EVERY === 0) this.sweep(now);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { msn: request.merchant?.msn, times: [] };
      this.buckets.set(key, bucket);
    }
    const times = bucket.times;
    let expired = 0;
    while (expired < times.length && times[expired]! <= now - windowMs) expired += 1;
    if (expired > 0) times.splice(0, expired);
    if (times.length >= limit.limit) {
      return { limit, retryAfterSeconds: Math.max(1, Math.ceil((times[0]! + windowMs - now) / 1000)) };
    }
    times.push(now);
    return undefined;
  }

  /** Forgets every count (a whole reset: the clock starts over), or one sales unit's. */
  clear(msn?: string): void {
    if (msn === undefined) return this.buckets.clear();
    for (const [key, bucket] of this.buckets) if (bucket.msn === msn) this.buckets.delete(key);
  }

  /** Drops keys with nothing left in any window, so that one-off references do not pile up. */
  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      const last = bucket.times[bucket.times.length - 1];
      if (last === undefined || last <= now - this.longestWindowMs) this.buckets.delete(key);
    }
  }

  /** How many keys are held (tests). */
  get size(): number {
    return this.buckets.size;
  }
}

/** `METHOD /path` of a route as Fastify registers it (several methods: one string each). */
export function routeKeys(method: string | readonly string[], url: string): string[] {
  return (Array.isArray(method) ? method : [method as string]).map((m) => `${m.toUpperCase()} ${url}`);
}
