import type { FastifyInstance } from 'fastify';
import { EpaymentService } from '../apis/epayment/service.js';
import { openDatabase, type DatabaseConfig, type DatabaseHandle } from '../db/open.js';
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

  let publicUrl = '';
  const epayment = new EpaymentService({ database, clock, ids, users, publicUrl: () => publicUrl });

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
  });

  const ctx: AppContext = {
    database,
    clock,
    ids,
    merchants,
    users,
    tokens,
    epayment,
    publicUrl: () => publicUrl,
    ...(options.adminToken ? { adminToken: options.adminToken } : {}),
    async reset() {
      await database.commands.run(async (trx) => {
        await trx.deleteFrom('epayment_events').execute();
        await trx.deleteFrom('epayment_payments').execute();
        await trx.deleteFrom('idempotency_keys').execute();
      });
      clock.reset();
      await saveOffset();
    },
  };

  const app = await buildApp(ctx, { logLevel: options.logLevel ?? 'info', ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}) });
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  publicUrl = `http://${urlHost}:${port}`;

  let sweeping = false;
  const sweep = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    epayment
      .expireDue()
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
      await database.close();
    },
  };
}
