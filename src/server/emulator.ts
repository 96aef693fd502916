import type { FastifyInstance } from 'fastify';
import { appInbox, appInboxSink, ecomInboxReference } from '../apis/epayment/app-inbox.js';
import { ecomCallbackOutbox, MerchantCaller } from '../apis/ecom/callbacks.js';
import { EcomService } from '../apis/ecom/service.js';
import { ecomStore } from '../apis/ecom/store.js';
import { EpaymentService } from '../apis/epayment/service.js';
import { WebhookSubscriptions } from '../apis/webhooks/subscriptions.js';
import { openDatabase, type DatabaseConfig, type DatabaseHandle } from '../db/open.js';
import { Dispatcher } from '../delivery/dispatcher.js';
import { epaymentOutbox } from '../delivery/outbox.js';
import { startDnsServer, type DnsLookupResult, type DnsServer } from '../environments/dns-server.js';
import { Operations } from '../environments/operations.js';
import { RequestServerDirectory } from '../environments/request-server-directory.js';
import type { EnvironmentName } from '../environments/request-servers.js';
import { OffsetClock } from '../platform/clock.js';
import { ids } from '../platform/ids.js';
import { MerchantDirectory } from '../platform/merchants.js';
import { TestUsers } from '../platform/test-users.js';
import { TokenService } from '../platform/tokens.js';
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

/** Opens the database, seeds it on first start, and serves every API on one port. */
export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const database = await openDatabase(options.database);
  try {
    return await start(database, options);
  } catch (err) {
    await database.close();
    throw err;
  }
}

async function start(database: DatabaseHandle, options: EmulatorOptions): Promise<Emulator> {
  const { db } = database;
  const savedOffset = await db.selectFrom('settings').select('value').where('key', '=', CLOCK_OFFSET).executeTakeFirst();
  const clock = new OffsetClock(savedOffset ? Number(savedOffset.value) : 0);
  const merchants = new MerchantDirectory(db);
  const users = new TestUsers(db);
  const tokens = new TokenService(db, clock);
  await merchants.ensureSeeded(clock.now());
  await users.ensureSeeded(clock.now());
  await tokens.init();

  const servers = new RequestServerDirectory(db, clock, options.environment ?? 'mt', options.rotationPeriodMs);
  await servers.load();

  let publicUrl = '';
  const operations = new Operations({ database, clock, servers, publicUrl: () => publicUrl });
  await operations.load();
  let owed = false;
  // `app` exists by the time anything is delivered.
  const log = { warn: (o: object, m: string) => app.log.warn(o, m), error: (o: object, m: string) => app.log.error(o, m) };
  const dispatcher = new Dispatcher({
    database,
    clock,
    ids,
    servers,
    log,
    faults: operations.deliveryFaults,
    ...(options.deliveryTimeoutMs ? { timeoutMs: options.deliveryTimeoutMs } : {}),
    ...(options.retryCompression ? { retryCompression: options.retryCompression } : {}),
  });
  // The outbox rows are written inside the command; the dispatcher looks once they are committed.
  database.commands.onCommit(() => {
    if (!owed) return;
    owed = false;
    dispatcher.wake();
  });
  const webhooks = new WebhookSubscriptions(database.kind === 'sqlite');
  database.commands.onRollback(() => webhooks.forget());
  const epayment = new EpaymentService({
    database,
    clock,
    ids,
    users,
    publicUrl: () => publicUrl,
    sinks: [epaymentOutbox(clock, ids, webhooks, () => (owed = true)), appInboxSink(() => clock.now())],
  });

  const merchantCalls = new MerchantCaller(servers);
  const ecom = new EcomService({
    database,
    clock,
    ids,
    users,
    publicUrl: () => publicUrl,
    callbacks: ecomCallbackOutbox({ clock, ids, retries: () => options.callbackRetries ?? 0, written: () => (owed = true) }),
    pushToApp: (trx, payment, phoneNumber) => appInbox.deliver(trx, { msn: payment.msn, reference: ecomInboxReference(payment.orderId) }, phoneNumber, 'PUSH_MESSAGE', clock.now()),
    merchantCalls,
  });

  const followSharedClock = async () => {
    const row = await db.selectFrom('settings').select('value').where('key', '=', CLOCK_OFFSET).executeTakeFirst();
    if (row) clock.catchUp(Number(row.value));
  };
  const saveOffset = () =>
    database.commands.run(async (trx) => {
      const value = String(clock.offset);
      const updated = await trx.updateTable('settings').set({ value }).where('key', '=', CLOCK_OFFSET).executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) await trx.insertInto('settings').values({ key: CLOCK_OFFSET, value }).execute();
    });
  // Simulated time is part of the state: it survives a restart, and jobs catch up on every jump.
  clock.onAdvance(async () => {
    await saveOffset();
    await epayment.expireDue();
    await ecom.expireDue();
    dispatcher.wake();
  });

  const ctx: AppContext = {
    database,
    clock,
    ids,
    merchants,
    users,
    tokens,
    epayment,
    ecom,
    servers,
    dispatcher,
    webhooks,
    operations,
    publicUrl: () => publicUrl,
    ...(options.adminToken ? { adminToken: options.adminToken } : {}),
    async reset() {
      await webhooks.changing(undefined, () =>
        database.commands.run(async (trx) => {
          await appInbox.clear(trx);
          await trx.deleteFrom('epayment_events').execute();
          await trx.deleteFrom('epayment_payments').execute();
          await ecomStore.clear(trx);
          await trx.deleteFrom('idempotency_keys').execute();
          await trx.deleteFrom('delivery_attempts').execute();
          await trx.deleteFrom('deliveries').execute();
          await trx.deleteFrom('webhooks').execute();
          webhooks.forget();
        }),
      );
      clock.reset();
      await saveOffset();
      await servers.reset();
      await operations.reset();
    },
  };

  const app = await buildApp(ctx, { logLevel: options.logLevel ?? 'info', ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}) });
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
    // Instances sharing PostgreSQL pick up each other's merchants and clock jumps here.
    const shared = database.kind === 'postgres' ? [merchants.load(), followSharedClock()] : [];
    Promise.all([...shared, epayment.expireDue(), ecom.expireDue()])
      .catch((err) => app.log.error({ err }, 'expiry sweep failed'))
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
      await merchantCalls.close();
      await dns?.close();
      await database.close();
    },
  };
}
