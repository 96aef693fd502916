import type { ModuleInstance, Platform } from '../apis/module.js';
import type { Dispatcher } from '../delivery/dispatcher.js';
import type { DnsServer } from '../environments/dns-server.js';
import type { RateLimiter } from '../platform/rate-limits.js';

/** What the server holds beyond the platform every module gets: the started modules and the engine room. */
export interface AppContext extends Platform {
  dispatcher: Dispatcher;
  /** The started modules, in registry order. */
  instances: ReadonlyMap<string, ModuleInstance>;
  /** The built-in DNS server, when it runs. */
  dns?: DnsServer;
  /** Counts requests against the modules' rate limits; absent when they are off (`serve --rate-limits off`). */
  rateLimiter?: RateLimiter;
  /** When set, the control API requires it (the server listens beyond loopback). */
  adminToken?: string;
  /**
   * Wipes API state — every module's tables, idempotency keys, deliveries — and resets the clock and
   * the request servers; keeps merchants, users and keys. With an MSN: only that merchant's rows.
   */
  reset(msn?: string): Promise<void>;
}
