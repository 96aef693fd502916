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

type KeyPart = (request: FastifyRequest) => string | undefined;

const headerValue = (request: FastifyRequest, name: string): string | undefined => {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** How one part of the key is read from a request: decided once per limit, not per request. */
function keyPart(p: RateLimitPart): KeyPart {
  if (p === 'msn') return (request) => request.merchant?.msn;
  if (p === 'subscriptionKey') return (request) => headerValue(request, 'ocp-apim-subscription-key');
  if ('param' in p) {
    const name = p.param;
    return (request) => (request.params as Record<string, string | undefined>)[name];
  }
  if ('header' in p) {
    const name = p.header.toLowerCase();
    return (request) => headerValue(request, name);
  }
  const path = p.body.split('.');
  return (request) => {
    let value: unknown = request.body;
    for (const name of path) {
      if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, name)) return undefined;
      value = (value as Record<string, unknown>)[name];
    }
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  };
}

/** One limit's counter: its key parts compiled; the counts live in the limiter. */
export interface RateLimitCounter {
  readonly limit: RateLimit;
  /** Counts the request; a hit when it is over the limit (then it is not counted). */
  take(request: FastifyRequest): RateLimitHit | undefined;
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
   * The counter of one limit (`id` tells limits apart). A request whose key cannot be made (a part
   * missing) is not counted: validation refuses it anyway.
   */
  counter(id: string, limit: RateLimit): RateLimitCounter {
    const parts = limit.per.map(keyPart);
    const windowMs = limit.windowSeconds * 1000;
    if (windowMs > this.longestWindowMs) this.longestWindowMs = windowMs;
    return {
      limit,
      take: (request) => {
        let key = id;
        for (let i = 0; i < parts.length; i += 1) {
          const value = parts[i]!(request);
          if (value === undefined) return undefined;
          key += `\u0000${value}`;
        }
        const retryAfterMs = this.count(key, request.merchant?.msn, limit.limit, windowMs);
        return retryAfterMs === undefined ? undefined : { limit, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
      },
    };
  }

  /** As `counter(id, limit).take(request)`, for a one-off. */
  take(id: string, limit: RateLimit, request: FastifyRequest): RateLimitHit | undefined {
    return this.counter(id, limit).take(request);
  }

  /** Counts one request under `key`; how long until the next is allowed when it is over the limit. */
  private count(key: string, msn: string | undefined, limit: number, windowMs: number): number | undefined {
    const now = this.clock.now().getTime();
    if ((this.takes += 1) % SWEEP_EVERY === 0) this.sweep(now);
    const bucket = this.buckets.get(key);
    if (bucket === undefined) {
      this.buckets.set(key, { msn, times: [now] });
      return undefined;
    }
    const times = bucket.times;
    let expired = 0;
    while (expired < times.length && times[expired]! <= now - windowMs) expired += 1;
    if (expired > 0) times.splice(0, expired);
    if (times.length >= limit) return times[0]! + windowMs - now;
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
