import type { FastifyInstance } from 'fastify';
import { MODULES } from '../apis/index.js';
import { assertDisjointPrefixes, type ApiModule, type ModuleInstance, type Platform } from '../apis/module.js';
import { openDatabase, type DatabaseConfig, type DatabaseHandle } from '../db/open.js';
import { clearTable, settings } from '../db/tables.js';
import { Dispatcher, type DeliveryFaults } from '../delivery/dispatcher.js';
import { BIRTH_LEASE_MS, LEASE_MS, Outbox } from '../delivery/outbox.js';
import { startDnsServer, type DnsLookupResult, type DnsServer } from '../environments/dns-server.js';
import { RequestServerDirectory } from '../environments/request-server-directory.js';
import type { EnvironmentName } from '../environments/request-servers.js';
import { isValidOffset, OffsetClock } from '../platform/clock.js';
import { ConsentStore } from '../platform/consents.js';
import { UserTokens } from '../platform/user-tokens.js';
import { EventBus } from '../platform/event-bus.js';
import { idempotency } from '../platform/idempotency.js';
import { ids } from '../platform/ids.js';
import { MerchantHttp } from '../platform/merchant-http.js';
import { MerchantDirectory } from '../platform/merchants.js';
import { RateLimiter } from '../platform/rate-limits.js';
import { TestUsers } from '../platform/test-users.js';
import { TokenService } from '../platform/tokens.js';
import { isLoopbackHost } from '../platform/url-policy.js';
import { UserInbox } from '../platform/user-inbox.js';
import { MoneyMovements } from '../platform/money-movements.js';
import { PaymentPort } from '../platform/payment-port.js';
import { SalesUnitSettings } from '../platform/sales-unit-settings.js';
import { OrderDetailsPort } from '../platform/order-details.js';
import { ActivityPort } from '../platform/activity.js';
import { MAX_SIMULATED_TIME_MS } from '../platform/limits.js';
import { buildApp, type ServedRoute } from './app.js';
import { closeHttps } from './https-listener.js';
import type { LocalCa } from './tls/local-ca.js';
import type { Server as HttpsServer } from 'node:https';
import { isVippsApiHost } from '../environments/api-hosts.js';
import { checkLimits, DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connections.js';
import type { AppContext } from './context.js';
import { StartupError } from './startup-error.js';

export interface EmulatorOptions {
  database: DatabaseConfig;
  host?: string;
  port?: number;
  logLevel?: string;
  /** `json` (default): pino's JSON lines on stderr; `pretty`: a human line per event (`serve`'s default). */
  logFormat?: 'pretty' | 'json';
  /**
   * Required for the control API when set (an empty or blank string counts as unset). Beyond
   * loopback it must be set: the emulator refuses to start otherwise (`serve` generates one).
   */
  adminToken?: string;
  /** Host names the control API and the pages answer to besides localhost and loopback addresses (`all`: any). */
  allowedHosts?: readonly string[];
  /** Timeouts and connection caps; any left out keep DEFAULT_CONNECTION_LIMITS. */
  limits?: Partial<ConnectionLimits>;
  /** How often payments past their expiry are swept, in real milliseconds. */
  expirySweepMs?: number;
  bodyLimit?: number;
  /** The environment the emulator plays (deliveries come from its request servers). Default mt. */
  environment?: EnvironmentName;
  /** Simulated time between request-server rotations (default ~90 days). */
  rotationPeriodMs?: number;
  /** Port of the built-in DNS server on 127.0.0.1 (0 picks one); not started when undefined. */
  dnsPort?: number;
  /**
   * An HTTPS listener besides the HTTP one (same app), with a certificate for the Vipps API hosts
   * from the CA kept in `caDir` (made there on first start; in memory when undefined).
   */
  https?: { port: number; caDir?: string };
  /** Divides webhook retry delays, so retries come quickly in tests and demos. */
  retryCompression?: number;
  /** How long a webhook receiver may take to answer. */
  deliveryTimeoutMs?: number;
  /** eCom callbacks get one attempt, as real Vipps makes; this adds retries (`serve --callback-retries`). */
  callbackRetries?: number;
  /** Port of the settlements' SFTP report service on 127.0.0.1 (0 picks one); not started when undefined. */
  sftpPort?: number;
  /** Apply the modules' documented rate limits (429 over the limit); default true. `serve --rate-limits off` for load tests. */
  rateLimits?: boolean;
  /** The modules to serve; default the registry (src/apis/index.ts). Tests add their own. */
  modules?: readonly ApiModule[];
  /** Tests: fail any response whose schema serialization differs from JSON.stringify (default: VIPPS_DEVKIT_VERIFY_SERIALIZATION=1). */
  verifySerialization?: boolean;
  /** Compile every request validator and response serializer at start-up instead of on first use (a test proves they all compile). */
  eagerSchemas?: boolean;
}

export interface Emulator {
  url: string;
  host: string;
  port: number;
  app: FastifyInstance;
  ctx: AppContext;
  /** Every route served, with its schema (the fuzz suite walks them). */
  routes: readonly ServedRoute[];
  /** The HTTPS listener, when asked for: its URL and the CA that clients must trust. */
  https?: { url: string; port: number; ca: LocalCa };
  close(): Promise<void>;
}

const CLOCK_OFFSET = 'clock_offset_ms';
/** Counts whole resets: an instance that sees it change follows the clock back (shared PostgreSQL). */
const CLOCK_EPOCH = 'clock_epoch';

/** Opens the database, seeds it on first start, and serves every module of the registry on one port. */
export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const modules = options.modules ?? MODULES;
  assertDisjointPrefixes(modules);
  const host = options.host ?? '127.0.0.1';
  const adminToken = options.adminToken?.trim() ? options.adminToken : undefined;
  // Like Redis' protected mode: the control API hands out client secrets and resets everything.
  if (!isLoopbackHost(host) && !adminToken) {
    throw new StartupError(
      `Refusing to listen on ${host} without an admin token: the control API (client secrets, reset) would be open to the network.`,
      'Give one with --admin-token <token> (or VIPPS_DEVKIT_ADMIN_TOKEN), or listen on 127.0.0.1.',
    );
  }
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
  const wrong = checkLimits(limits);
  if (wrong) throw new StartupError(`The connection limits cannot work: ${wrong}.`, 'Check the timeout and connection flags of serve (docs/serve.md).');
  const database = await openDatabase(options.database, modules.flatMap((m) => Object.entries(m.migrations ?? {})));
  try {
    return await start(database, modules, { ...options, host, limits, ...(adminToken ? { adminToken } : { adminToken: undefined }) });
  } catch (err) {
    await database.close();
    throw err;
  }
}

async function start(database: DatabaseHandle, modules: readonly ApiModule[], options: EmulatorOptions & { host: string; limits: ConnectionLimits }): Promise<Emulator> {
  const { db } = database;
  const savedOffset = await settings.get(db, CLOCK_OFFSET);
  const offset = savedOffset === undefined ? 0 : Number(savedOffset);
  if (!isValidOffset(offset)) {
    throw new StartupError(
      `The simulated clock saved in the database is out of range (offset ${String(savedOffset).slice(0, 40)} ms; simulated time ends at ${new Date(MAX_SIMULATED_TIME_MS).toISOString()}).`,
      'Repair it with "vipps-devkit doctor --repair" (with the same --data-dir or --database-url): the clock goes back to real time; payments, merchants and keys stay.',
    );
  }
  const clock = new OffsetClock(offset);
  let clockEpoch = (await settings.get(db, CLOCK_EPOCH)) ?? '0';
  const merchants = new MerchantDirectory(database);
  const users = new TestUsers(db);
  const tokens = new TokenService(db, clock);
  await merchants.ensureSeeded(clock.now());
  await users.ensureSeeded(clock.now());
  await tokens.init();

  const servers = new RequestServerDirectory(database, clock, options.environment ?? 'mt', options.rotationPeriodMs);
  await servers.load();

  let publicUrl = '';
  // Counted on the emulator clock, so a clock jump ends a window (tests advance instead of sleeping).
  const rateLimiter = options.rateLimits === false ? undefined : new RateLimiter(clock);
  const instances = new Map<string, ModuleInstance>();
  // Injected delivery faults come from whichever modules provide them (the status module), known once they started.
  const deliveryFaults: DeliveryFaults = {
    beforeAttempt(target) {
      for (const instance of instances.values()) {
        const decision = instance.deliveryFaults?.beforeAttempt(target);
        if (decision) return decision;
      }
      return undefined;
    },
  };
  // `app` exists by the time anything is delivered.
  const log = { warn: (o: object, m: string) => app.log.warn(o, m), error: (o: object, m: string) => app.log.error(o, m) };
  // One HTTP client towards merchants, for deliveries and the APIs' synchronous calls alike.
  const merchantHttp = new MerchantHttp(servers, (address, error) =>
    log.warn(
      { address, error },
      `this machine has no loopback address ${address} (request servers send from 127.x addresses); deliveries now come from 127.0.0.1, so a firewall allowlist sees them as 127.0.0.1. On macOS add the addresses with: sudo ifconfig lo0 alias ${address} up (docs/webhooks.md)`,
    ),
  );
  const dispatcher = new Dispatcher({
    database,
    clock,
    ids,
    servers,
    http: merchantHttp,
    log,
    faults: deliveryFaults,
    ...(options.deliveryTimeoutMs ? { timeoutMs: options.deliveryTimeoutMs } : {}),
    ...(options.retryCompression ? { retryCompression: options.retryCompression } : {}),
  });
  // Rows are written inside the command; the dispatcher gets them once the command is durable.
  // Shared PostgreSQL: a short lease at birth, so that rows of an instance that dies before sending them are not stuck for long.
  const outbox = new Outbox(database.commands, () => clock.now(), database.kind === 'postgres' ? BIRTH_LEASE_MS : LEASE_MS);
  outbox.attach(dispatcher);

  const platform: Platform = {
    database,
    clock,
    ids,
    merchants,
    users,
    tokens,
    servers,
    merchantHttp,
    outbox,
    events: new EventBus(),
    inbox: new UserInbox({ database, clock }),
    consents: new ConsentStore(db),
    userTokens: new UserTokens(),
    payments: new PaymentPort(),
    orderDetails: new OrderDetailsPort(),
    salesUnits: new SalesUnitSettings(),
    movements: new MoneyMovements(),
    activity: new ActivityPort(),
    publicUrl: () => publicUrl,
    modules: () => modules,
    options: { callbackRetries: options.callbackRetries ?? 0, ...(options.sftpPort !== undefined ? { sftpPort: options.sftpPort } : {}) },
    log,
  };
  for (const module of modules) instances.set(module.name, await module.start(platform));
  const each = async (work: (instance: ModuleInstance) => Promise<unknown> | unknown) => {
    for (const instance of instances.values()) await work(instance);
  };

  const followSharedClock = async () => {
    // A reset of this instance's own is under way: it sets the clock itself once committed.
    if (resetsRunning > 0) return;
    const [saved, epoch = '0'] = await Promise.all([settings.get(db, CLOCK_OFFSET), settings.get(db, CLOCK_EPOCH)]);
    if (saved === undefined) return;
    // Forward only, unless another instance reset everything meanwhile (a stale read of an older epoch is ignored).
    if (Number(epoch) > Number(clockEpoch)) {
      clockEpoch = epoch;
      clock.resetTo(Number(saved));
    } else if (epoch === clockEpoch) clock.catchUp(Number(saved));
  };
  // Simulated time is part of the state: it survives a restart (saved before the clock shows it), and jobs catch up on every jump.
  clock.persistWith((offsetMs) => database.commands.run((trx) => settings.set(trx, CLOCK_OFFSET, String(offsetMs))));
  clock.onAdvance(async () => {
    await each((i) => i.onClock?.());
    dispatcher.wake();
  });

  // Resets run one at a time: two at once would race on the request servers' rows.
  let resetting: Promise<void> = Promise.resolve();
  let resetsRunning = 0;
  const reset = (msn?: string) => {
    const run = resetting.then(async () => {
      resetsRunning += 1;
      try {
        const epoch = await database.commands.run(async (trx) => {
          for (const module of modules) {
            for (const table of module.tables ?? []) {
              if (msn === undefined) await clearTable(trx, table.name);
              else if (table.msnColumn) await clearTable(trx, table.name, { msnColumn: table.msnColumn, msn });
            }
          }
          await idempotency.clear(trx, msn);
          await platform.consents.clear(trx, msn);
          await outbox.clear(trx, msn);
          for (const instance of instances.values()) await instance.onReset?.(trx, msn);
          // The whole emulator's time and request servers start over; one merchant's reset leaves them.
          if (msn !== undefined) return undefined;
          const next = String(Number((await settings.get(trx, CLOCK_EPOCH)) ?? '0') + 1);
          await settings.set(trx, CLOCK_OFFSET, '0');
          await settings.set(trx, CLOCK_EPOCH, next);
          return next;
        });
        if (epoch !== undefined) {
          // Only once committed: memory never shows what the database does not hold.
          clock.reset();
          clockEpoch = epoch;
          await servers.reset();
        }
        rateLimiter?.clear(msn);
        await each((i) => i.afterReset?.(msn));
      } finally {
        resetsRunning -= 1;
      }
    });
    resetting = run.catch(() => undefined);
    return run;
  };

  const ctx: AppContext = {
    ...platform,
    dispatcher,
    instances,
    ...(rateLimiter ? { rateLimiter } : {}),
    ...(options.adminToken ? { adminToken: options.adminToken } : {}),
    reset,
  };

  const host = options.host;
  const { app, routes, shapeOfUrl } = await buildApp(ctx, modules, {
    logLevel: options.logLevel ?? 'info',
    logFormat: options.logFormat ?? 'json',
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
    verifySerialization: options.verifySerialization ?? process.env.VIPPS_DEVKIT_VERIFY_SERIALIZATION === '1',
    eagerSchemas: options.eagerSchemas === true,
    limits: options.limits,
    site: { loopbackOnly: isLoopbackHost(host), allowedHosts: options.allowedHosts ?? [] },
  });
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  publicUrl = `http://${urlHost}:${port}`;

  let tls: { server: HttpsServer; url: string; port: number; ca: LocalCa } | undefined;
  if (options.https) {
    try {
      // Loaded only when asked for: the certificate library costs ~150 ms of start-up.
      const { startHttps } = await import('./start-https.js');
      tls = await startHttps(app, host, urlHost, options.https, options.limits, shapeOfUrl);
    } catch (err) {
      await app.close();
      throw err;
    }
  }

  let dns: DnsServer | undefined;
  if (options.dnsPort !== undefined) {
    // An emulator on ::1 alone is reached over IPv6 (AAAA); on :: both families reach it.
    const apiAddress = host === '::1' ? '::1' : urlHost.startsWith('[') ? '127.0.0.1' : urlHost;
    const lookup = (name: string): DnsLookupResult => {
      // The API hosts resolve to the emulator, so an unmodified client can be pointed at it by DNS.
      if (isVippsApiHost(name)) return { addresses: [apiAddress], ttl: 60 };
      const address = servers.lookup(name);
      // A short TTL: a rotation reaches resolvers within seconds.
      return address ? { addresses: [address], ttl: 5 } : undefined;
    };
    const startDns = (port: number) => startDnsServer({ lookup, host: '127.0.0.1', port, onError: (err) => app.log.warn({ err }, 'dns') });
    try {
      dns = await startDns(options.dnsPort).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EADDRINUSE' || options.dnsPort === 0) throw err;
        // Taken, most likely by another emulator: a port of its own, said out loud (banner, state
        // file), so that nobody asks the other emulator's DNS thinking it is this one's.
        const own = await startDns(0);
        app.log.warn(`DNS port ${options.dnsPort} is taken (another emulator?): this emulator's DNS server is 127.0.0.1:${own.port}`);
        return own;
      });
      ctx.dns = dns;
    } catch (err) {
      // The DNS server is an extra: a port it cannot have must not keep the APIs from starting.
      app.log.warn(`built-in DNS server not started: ${(err as Error).message} (choose another with --dns-port, or --no-dns)`);
    }
  }
  await dispatcher.start();

  let sweeping = false;
  const sweep = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    // Instances sharing PostgreSQL pick up each other's changes here.
    const shared = database.kind === 'postgres' ? [merchants.load(), followSharedClock(), servers.load(), each((i) => i.refresh?.())] : [];
    Promise.all([...shared, each((i) => i.onClock?.())])
      .catch((err) => app.log.error({ err }, 'sweep failed'))
      .finally(() => (sweeping = false));
  }, options.expirySweepMs ?? 1000);
  sweep.unref();

  return {
    url: publicUrl,
    host,
    port,
    app,
    ctx,
    routes,
    ...(tls ? { https: { url: tls.url, port: tls.port, ca: tls.ca } } : {}),
    async close() {
      clearInterval(sweep);
      if (tls) await closeHttps(tls.server);
      await app.close();
      await dispatcher.stop();
      await each((i) => i.close?.());
      await merchantHttp.close();
      await dns?.close();
      await database.close();
    },
  };
}
