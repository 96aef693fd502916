import type { FastifyInstance } from 'fastify';
import { MODULES } from '../apis/index.js';
import { assertDisjointPrefixes, type ApiModule, type ModuleInstance, type Platform } from '../apis/module.js';
import { openDatabase, type DatabaseConfig, type DatabaseHandle } from '../db/open.js';
import { clearTable, settings } from '../db/tables.js';
import { Dispatcher, type DeliveryFaults } from '../delivery/dispatcher.js';
import { Outbox } from '../delivery/outbox.js';
import { startDnsServer, type DnsLookupResult, type DnsServer } from '../environments/dns-server.js';
import { RequestServerDirectory } from '../environments/request-server-directory.js';
import type { EnvironmentName } from '../environments/request-servers.js';
import { OffsetClock } from '../platform/clock.js';
import { ConsentStore } from '../platform/consents.js';
import { EventBus } from '../platform/event-bus.js';
import { idempotency } from '../platform/idempotency.js';
import { ids } from '../platform/ids.js';
import { MerchantDirectory } from '../platform/merchants.js';
import { RateLimiter } from '../platform/rate-limits.js';
import { TestUsers } from '../platform/test-users.js';
import { TokenService } from '../platform/tokens.js';
import { UserInbox } from '../platform/user-inbox.js';
import { buildApp } from './app.js';
import type { AppContext } from './context.js';

export interface EmulatorOptions {
  database: DatabaseConfig;
  host?: string;
  port?: number;
  logLevel?: string;
  /** Required for the control API when set; `serve` sets one whenever the host is not loopback. */
  adminToken?: string;
  /** How often payments past their expiry are swept, in real milliseconds. */
  expirySweepMs?: number;
  bodyLimit?: number;
  /** The environment the emulator plays (deliveries come from its request servers). Default mt. */
  environment?: EnvironmentName;
  /** Simulated time between request-server rotations (default ~90 days). */
  rotationPeriodMs?: number;
  /** Port of the built-in DNS server on 127.0.0.1 (0 picks one); not started when undefined. */
  dnsPort?: number;
  /** Divides webhook retry delays, so retries come quickly in tests and demos. */
  retryCompression?: number;
  /** How long a webhook receiver may take to answer. */
  deliveryTimeoutMs?: number;
  /** eCom callbacks get one attempt, as real Vipps makes; this adds retries (`serve --callback-retries`). */
  callbackRetries?: number;
  /** Apply the modules' documented rate limits (429 over the limit); default true. `serve --rate-limits off` for load tests. */
  rateLimits?: boolean;
  /** The modules to serve; default the registry (src/apis/index.ts). Tests add their own. */
  modules?: readonly ApiModule[];
}

export interface Emulator {
  url: string;
  host: string;
  port: number;
  app: FastifyInstance;
  ctx: AppContext;
  close(): Promise<void>;
}

const CLOCK_OFFSET = 'clock_offset_ms';
/** Counts whole resets: an instance that sees it change follows the clock back (shared PostgreSQL). */
const CLOCK_EPOCH = 'clock_epoch';

/** Opens the database, seeds it on first start, and serves every module of the registry on one port. */
export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const modules = options.modules ?? MODULES;
  assertDisjointPrefixes(modules);
  const database = await openDatabase(options.database, modules.flatMap((m) => Object.entries(m.migrations ?? {})));
  try {
    return await start(database, modules, options);
  } catch (err) {
    await database.close();
    throw err;
  }
}

async function start(database: DatabaseHandle, modules: readonly ApiModule[], options: EmulatorOptions): Promise<Emulator> {
  const { db } = database;
  const savedOffset = await settings.get(db, CLOCK_OFFSET);
  const clock = new OffsetClock(savedOffset ? Number(savedOffset) : 0);
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
  const dispatcher = new Dispatcher({
    database,
    clock,
    ids,
    servers,
    log,
    faults: deliveryFaults,
    ...(options.deliveryTimeoutMs ? { timeoutMs: options.deliveryTimeoutMs } : {}),
    ...(options.retryCompression ? { retryCompression: options.retryCompression } : {}),
  });
  const outbox = new Outbox(() => clock.now(), () => dispatcher.wake());
  // The outbox rows are written inside the command; the dispatcher looks once they are committed.
  database.commands.onCommit(() => outbox.committed());

  const platform: Platform = {
    database,
    clock,
    ids,
    merchants,
    users,
    tokens,
    servers,
    outbox,
    events: new EventBus(),
    inbox: new UserInbox({ database, clock }),
    consents: new ConsentStore(db),
    publicUrl: () => publicUrl,
    modules: () => modules,
    options: { callbackRetries: options.callbackRetries ?? 0 },
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
  const saveOffset = () => database.commands.run((trx) => settings.set(trx, CLOCK_OFFSET, String(clock.offset)));
  // Simulated time is part of the state: it survives a restart, and jobs catch up on every jump.
  clock.onAdvance(async () => {
    await saveOffset();
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

  const app = await buildApp(ctx, modules, { logLevel: options.logLevel ?? 'info', ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}) });
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  publicUrl = `http://${urlHost}:${port}`;

  let dns: DnsServer | undefined;
  if (options.dnsPort !== undefined) {
    const apiAddress = urlHost.startsWith('[') ? '127.0.0.1' : urlHost;
    const lookup = (name: string): DnsLookupResult => {
      // The API hosts resolve to the emulator, so an unmodified client can be pointed at it by DNS.
      if (name === 'apitest.vipps.no' || name === 'api.vipps.no') return { addresses: [apiAddress], ttl: 60 };
      const address = servers.lookup(name);
      // A short TTL: a rotation reaches resolvers within seconds.
      return address ? { addresses: [address], ttl: 5 } : undefined;
    };
    try {
      dns = await startDnsServer({ lookup, host: '127.0.0.1', port: options.dnsPort, onError: (err) => app.log.warn({ err }, 'dns') });
      ctx.dns = dns;
    } catch (err) {
      // The DNS server is an extra: a taken port must not keep the APIs from starting.
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
    async close() {
      clearInterval(sweep);
      await app.close();
      await dispatcher.stop();
      await each((i) => i.close?.());
      await dns?.close();
      await database.close();
    },
  };
}
