import type { EcomService } from '../apis/ecom/service.js';
import type { EpaymentService } from '../apis/epayment/service.js';
import type { WebhookSubscriptions } from '../apis/webhooks/subscriptions.js';
import type { DatabaseHandle } from '../db/open.js';
import type { Dispatcher } from '../delivery/dispatcher.js';
import type { DnsServer } from '../environments/dns-server.js';
import type { Operations } from '../environments/operations.js';
import type { RequestServerDirectory } from '../environments/request-server-directory.js';
import type { OffsetClock } from '../platform/clock.js';
import type { IdSource } from '../platform/ids.js';
import type { MerchantDirectory } from '../platform/merchants.js';
import type { TestUsers } from '../platform/test-users.js';
import type { TokenService } from '../platform/tokens.js';

/** Everything the HTTP layer needs, built once by `createEmulator`. */
export interface AppContext {
  database: DatabaseHandle;
  clock: OffsetClock;
  ids: IdSource;
  merchants: MerchantDirectory;
  users: TestUsers;
  tokens: TokenService;
  epayment: EpaymentService;
  /** eCom API v2 (issue 5). */
  ecom: EcomService;
  servers: RequestServerDirectory;
  dispatcher: Dispatcher;
  /** Faults, incidents and maintenance windows: the status page and fault injection (issue 6). */
  operations: Operations;
  /** Merchants' webhooks as the outbox reads them; commands that change webhooks tell it. */
  webhooks: WebhookSubscriptions;
  /** The built-in DNS server, when it runs. */
  dns?: DnsServer;
  /** Base URL that clients reach the emulator at (known once the server listens). */
  publicUrl: () => string;
  /** When set, the control API requires it (the server listens beyond loopback). */
  adminToken?: string;
  /** Wipes API state (payments, events, idempotency keys) and resets the clock; keeps merchants, users and keys. */
  reset(): Promise<void>;
}
