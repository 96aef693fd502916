/**
 * The module contract: what every API (and every other feature that owns state) tells the rest of
 * the emulator about itself. The server, the fault hook, the status page, reset, the OpenAPI
 * document and the Webhooks API iterate the registry (`src/apis/index.ts`) of these; nothing
 * central names an API. See docs/architecture.md.
 */
import type { TSchema } from '@sinclair/typebox';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Migration, Transaction } from 'kysely';
import type { DatabaseHandle } from '../db/open.js';
import type { Database } from '../db/schema.js';
import type { DeliveryFaults } from '../delivery/dispatcher.js';
import type { Outbox } from '../delivery/outbox.js';
import type { RequestServerDirectory } from '../environments/request-server-directory.js';
import type { OffsetClock } from '../platform/clock.js';
import type { ActivityPort } from '../platform/activity.js';
import type { ConsentStore } from '../platform/consents.js';
import type { EventBus } from '../platform/event-bus.js';
import type { IdSource } from '../platform/ids.js';
import type { MerchantHttp } from '../platform/merchant-http.js';
import type { MerchantDirectory } from '../platform/merchants.js';
import type { MoneyMovements } from '../platform/money-movements.js';
import type { OrderDetailsPort } from '../platform/order-details.js';
import type { PaymentPort } from '../platform/payment-port.js';
import type { RateLimit } from '../platform/rate-limits.js';
import type { SalesUnitSettings } from '../platform/sales-unit-settings.js';
import type { TestUsers } from '../platform/test-users.js';
import type { TokenService } from '../platform/tokens.js';
import type { UserInbox } from '../platform/user-inbox.js';
import type { UserTokens } from '../platform/user-tokens.js';

/** An error any part of the house can ask a module to render in its API's own shape. */
export interface ApiError {
  status: number;
  title: string;
  detail: string;
  /** The request field at fault, where there is one (e.g. `amount.value`, `Idempotency-Key`). */
  field?: string;
}

/** How one API answers errors: the body, content type and headers of ITS error responses. */
export interface ErrorShape {
  /** Sends `error` in the API's shape: used for faults, maintenance, 404/405 and pre-routing errors. */
  send(reply: FastifyReply, request: FastifyRequest, error: ApiError): FastifyReply;
  /**
   * Error handler of the module's routes: validation failures, thrown domain errors, the unexpected
   * (500). What the house raises before a route runs carries `statusCode` (4xx) and a message: the
   * JSON body parser (400 malformed JSON, 413, 415) and authentication (400/403 on the MSN header).
   * The gateway's 401s never reach it: the server answers them in the gateway's own body.
   */
  handler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply | void;
  /**
   * Its error body, for the OpenAPI document: every operation of the module gets it as its 4XX and
   * 5XX responses. Documentation only: an error sent as an object (not as text) must also be declared
   * in the route's response schemas, or fast-json-stringify would not know it.
   */
  body?: { mediaType: string; schema: TSchema; description: string };
}

/** A table a module owns. `msnColumn` scopes a per-merchant reset; tables without one are kept by it. */
export interface OwnedTable {
  name: keyof Database & string;
  msnColumn?: string;
}

/** A webhook event type an API emits (Webhooks API event names), with a line for the docs. */
export interface EventType {
  type: string;
  description: string;
}

/** What every module is handed when the emulator starts: the shared platform services. */
export interface Platform {
  database: DatabaseHandle;
  clock: OffsetClock;
  ids: IdSource;
  merchants: MerchantDirectory;
  users: TestUsers;
  tokens: TokenService;
  /** Request servers of prod, DR and MT: where deliveries come from. */
  servers: RequestServerDirectory;
  /** The one HTTP client towards merchants (synchronous calls in a user's flow; deliveries use it too). */
  merchantHttp: MerchantHttp;
  /** The delivery engine's only door: rows written in the caller's transaction. */
  outbox: Outbox;
  /** Events published inside a command's transaction; the Webhooks API turns them into deliveries. */
  events: EventBus;
  /**
   * The simulated app's inbox, and the payment-request providers APIs register with it (in their
   * start): the one place where the user side and the APIs meet.
   */
  inbox: UserInbox;
  /**
   * Profile sharing: the consents users give sales units while approving (written by the payment
   * APIs in their approving command) and the `sub` a sales unit knows a user by; the Userinfo API reads them.
   */
  consents: ConsentStore;
  /** Users' access tokens from a login (Login API issues, Userinfo API reads): resolvers the issuer registers. */
  userTokens: UserTokens;
  /**
   * Payments made on behalf of another module (a Checkout session's payment): the payment API
   * provides the issuer, the owning module listens to its payments' changes (platform/payment-port.ts).
   */
  payments: PaymentPort;
  /** What a merchant attached to an order (receipt, category, image), shown in the app's history. */
  orderDetails: OrderDetailsPort;
  /** A sales unit's settings kept by other modules (Login redirect URIs, webhooks, settlements), for the merchant portal. */
  salesUnits: SalesUnitSettings;
  /** Captures and refunds of every payment API, told in their commands; the settlements ledger records them. */
  movements: MoneyMovements;
  /** What landed (payments, orders, agreements, sessions): modules provide listings, the dashboard reads them (platform/activity.ts). */
  activity: ActivityPort;
  /** Base URL that clients reach the emulator at (known once the server listens). */
  publicUrl(): string;
  /** Every registered module, as data (names, titles, prefixes, event types). */
  modules(): readonly ApiModule[];
  options: PlatformOptions;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

export interface PlatformOptions {
  /** eCom callbacks get one attempt, as real Vipps makes; this adds retries (`serve --callback-retries`). */
  callbackRetries: number;
  /** Port of the settlements' SFTP report service on 127.0.0.1 (0 picks one); not started when undefined (`serve --sftp-port`). */
  sftpPort?: number;
}

/** What a started module gives the server. Every part is optional. */
export interface ModuleInstance {
  /** The API's routes, at their real paths. The server sets the module's error handler and JSON body parser around them. */
  routes?: FastifyPluginAsync;
  /** Test helpers under `/devkit/v1/<name>/...`, behind the control API's guard; errors as RFC 7807 problems. */
  control?: FastifyPluginAsync;
  /** Time-driven work (expiry, due charges): after every clock jump and on the periodic sweep. */
  onClock?(): Promise<void>;
  /** Called in the reset's transaction after the module's tables were emptied (whole, or one merchant's rows). */
  onReset?(trx: Transaction<Database>, msn: string | undefined): Promise<void>;
  /** Called after the reset committed: drop caches, reload state. */
  afterReset?(msn: string | undefined): Promise<void> | void;
  /** Shared PostgreSQL mode: pick up what other instances changed (called on the periodic sweep). */
  refresh?(): Promise<void>;
  close?(): Promise<void>;
  /** Injected faults on the request path: the server's fault hook asks every module that provides them. */
  requestFaults?: RequestFaults;
  /** Injected faults on callbacks and webhooks: the delivery dispatcher asks every module that provides them. */
  deliveryFaults?: DeliveryFaults;
}

/** What the fault hook does to one request. */
export interface RequestDecision {
  delayMs: number;
  fail?: { kind: 'reset' } | { kind: 'status'; status: number; title: string; detail: string };
}

/** Injected faults on the request path, as a module provides them (the status module does). */
export interface RequestFaults {
  /** False when nothing injected could touch a request: the hook's fast path, asked on every request. */
  mayAffectRequests(): boolean;
  /** What to do with one request to the module named `api`: latency to add, a failure to answer. */
  decide(method: string, path: string, api: string): RequestDecision | undefined;
}

export type { DeliveryFaults, RateLimit };

/** One API or stateful feature, in its own folder. Adding one = its folder + a line in src/apis/index.ts. */
export interface ApiModule {
  /** Key: `/devkit/v1/<name>`, fault targets (`--api <name>`), status-page components. */
  name: string;
  /** As a status-page component: "ePayment API". */
  title: string;
  description: string;
  /** Path prefixes the module answers: 404/405 and pre-routing errors there come in its shape, faults target it. */
  prefixes: readonly string[];
  errors: ErrorShape;
  /** False for the status page itself: never faulted, never a component. Default true. */
  statusComponent?: boolean;
  /**
   * Pages people use in a browser (forms that change state): its routes get the control API's Host
   * allowlist and cross-site refusal (DNS rebinding, CSRF). Default false: APIs authenticate each call.
   * A list of path prefixes: only paths under them (an API with a page of its own, e.g. Checkout).
   */
  browserFacing?: boolean | readonly string[];
  /** Where its control routes are mounted; default `/devkit/v1/<name>`. */
  controlPrefix?: string;
  tables?: readonly OwnedTable[];
  /** Its migrations, by globally unique name (they run in name order with every other module's). */
  migrations?: Readonly<Record<string, Migration>>;
  events?: readonly EventType[];
  /**
   * Its documented rate limits, as data: the server counts requests to the named routes (on the
   * emulator clock) and answers 429 in the module's error shape over the limit (`serve --rate-limits off`).
   */
  rateLimits?: readonly RateLimit[];
  start(platform: Platform): ModuleInstance | Promise<ModuleInstance>;
}

const covers = (prefix: string, path: string) => (prefix.endsWith('/') ? path.startsWith(prefix) : path === prefix || path.startsWith(`${prefix}/`));

/** The module whose prefixes own a request path, if any. A prefix ending in `/` matches below it; otherwise the path itself and below. */
export function moduleOfPath<M extends Pick<ApiModule, 'prefixes'>>(modules: readonly M[], path: string): M | undefined {
  for (const m of modules) {
    if (m.prefixes.some((p) => covers(p, path))) return m;
  }
  return undefined;
}

/**
 * Throws when two modules share a name or claim overlapping prefixes: a path must have one owner
 * (its 404s, error shape and faults), and which one wins must not depend on the registry's order.
 */
export function assertDisjointPrefixes(modules: readonly Pick<ApiModule, 'name' | 'prefixes'>[]): void {
  for (const [i, a] of modules.entries()) {
    for (const b of modules.slice(i + 1)) {
      if (a.name === b.name) throw new Error(`two modules are named ${a.name}`);
      for (const p of a.prefixes) {
        const q = b.prefixes.find((q) => covers(p, q) || covers(q, p));
        if (q !== undefined) throw new Error(`modules ${a.name} and ${b.name} both claim paths under ${p.length <= q.length ? p : q} (prefixes ${p} and ${q})`);
      }
    }
  }
}
