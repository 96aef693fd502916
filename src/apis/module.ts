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
import type { Outbox } from '../delivery/outbox.js';
import type { Operations } from '../environments/operations.js';
import type { RequestServerDirectory } from '../environments/request-server-directory.js';
import type { OffsetClock } from '../platform/clock.js';
import type { EventBus } from '../platform/event-bus.js';
import type { IdSource } from '../platform/ids.js';
import type { MerchantDirectory } from '../platform/merchants.js';
import type { TestUsers } from '../platform/test-users.js';
import type { TokenService } from '../platform/tokens.js';
import type { UserInbox } from '../platform/user-inbox.js';

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
  /** Error handler of the module's routes: validation failures, thrown domain errors, the unexpected (500). */
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
  /** Faults, incidents and maintenance windows (the status page's state). */
  operations: Operations;
  /** The delivery engine's only door: rows written in the caller's transaction. */
  outbox: Outbox;
  /** Events published inside a command's transaction; the Webhooks API turns them into deliveries. */
  events: EventBus;
  /** The simulated app's inbox, and the payment-request providers APIs register with it. */
  inbox: UserInbox;
  /** Base URL that clients reach the emulator at (known once the server listens). */
  publicUrl(): string;
  /** Every registered module, as data (names, titles, prefixes, event types). */
  modules(): readonly ApiModule[];
  /** A started module's instance, by name (the user-side pages reach the APIs' services through it for now). */
  instance(name: string): ModuleInstance | undefined;
  options: PlatformOptions;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

export interface PlatformOptions {
  /** eCom callbacks get one attempt, as real Vipps makes; this adds retries (`serve --callback-retries`). */
  callbackRetries: number;
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
  /** The module's service object, for the user-side pages only (until they use the user inbox's provider interface). */
  service?: unknown;
}

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
  /** Where its control routes are mounted; default `/devkit/v1/<name>`. */
  controlPrefix?: string;
  tables?: readonly OwnedTable[];
  /** Its migrations, by globally unique name (they run in name order with every other module's). */
  migrations?: Readonly<Record<string, Migration>>;
  events?: readonly EventType[];
  start(platform: Platform): ModuleInstance | Promise<ModuleInstance>;
}

/** The module whose prefixes own a request path, if any. A prefix ending in `/` matches below it; otherwise the path itself and below. */
export function moduleOfPath<M extends Pick<ApiModule, 'prefixes'>>(modules: readonly M[], path: string): M | undefined {
  for (const m of modules) {
    if (m.prefixes.some((p) => (p.endsWith('/') ? path.startsWith(p) : path === p || path.startsWith(`${p}/`)))) return m;
  }
  return undefined;
}
