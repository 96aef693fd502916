/**
 * Diagnosis, not part of `npm run bench`: where a create's time goes below HTTP.
 *
 *   node dist/bench/db-overhead.js
 *
 * On one durable SQLite file (opened exactly as the emulator opens it: WAL, synchronous=FULL,
 * the group-commit CommandQueue), in one process, no HTTP:
 *   1. EpaymentService.create, 50 concurrent commands per batch (what the HTTP route calls);
 *   2. the same five statements a create runs (idempotency select, payment select, payment insert,
 *      event insert, idempotency insert, savepoint/release) as prepared better-sqlite3 statements,
 *      50 per transaction, synchronously — the floor for the same durable work;
 *   3. as 2 with synchronous=OFF — the share of the fsync;
 *   4. a single select by primary key through Kysely (paymentStore.load) vs a prepared statement.
 * Bounded: fixed iteration counts; the temp dir is removed at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { EpaymentService } from '../src/apis/epayment/service.js';
import type { CreatePaymentRequest } from '../src/apis/epayment/schemas.js';
import { paymentStore } from '../src/apis/epayment/store.js';
import { openDatabase } from '../src/db/open.js';
import { OffsetClock } from '../src/platform/clock.js';
import { ConsentStore } from '../src/platform/consents.js';
import { ids } from '../src/platform/ids.js';
import { MerchantDirectory } from '../src/platform/merchants.js';
import { TestUsers } from '../src/platform/test-users.js';
import { createPaymentRequest } from './payloads.js';

const BATCH = 50;
/** Batches of creates; DB_BENCH_BATCHES=600 gives a table the size of an `npm run bench` run (~30k payments). */
const BATCHES = Math.min(2000, Math.max(1, Number(process.env.DB_BENCH_BATCHES ?? 200)));

const body = (reference: string): CreatePaymentRequest => createPaymentRequest(reference);

const usPerOp = (startNs: bigint, ops: number) => Number(process.hrtime.bigint() - startNs) / 1000 / ops;

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vipps-devkit-dbbench-'));
  try {
    const file = path.join(dir, 'devkit.sqlite');
    const database = await openDatabase({ kind: 'sqlite', file });
    const clock = new OffsetClock(0);
    const merchants = new MerchantDirectory(database);
    const users = new TestUsers(database.db);
    await merchants.ensureSeeded(clock.now());
    await users.ensureSeeded(clock.now());
    const merchant = merchants.all()[0]!;
    const service = new EpaymentService({ database, clock, ids, users, consents: new ConsentStore(database.db), publicUrl: () => 'http://127.0.0.1:1' });

    // 1. the service, as the route calls it
    let n = 0;
    const serviceBatch = async () => {
      const replies = await Promise.all(
        Array.from({ length: BATCH }, () => {
          const reference = `svc-${(n += 1)}-${ids.hex(4)}`;
          return service.create(merchant, body(reference), reference);
        }),
      );
      if (replies.some((r) => r.status !== 201)) throw new Error('a create did not return 201');
    };
    for (let i = 0; i < 20; i += 1) await serviceBatch(); // warm-up
    let t0 = process.hrtime.bigint();
    for (let i = 0; i < BATCHES; i += 1) await serviceBatch();
    const serviceUs = usPerOp(t0, BATCH * BATCHES);

    // A representative stored payment document and event, to give the raw inserts the same sizes.
    const first = await database.db.selectFrom('epayment_payments').select('reference').limit(1).executeTakeFirstOrThrow();
    const sample = (await paymentStore.load(database.db, merchant.msn, first.reference))!;
    const documentJson = JSON.stringify(sample.payment);
    const eventJson = (await database.db.selectFrom('epayment_events').select('document').limit(1).executeTakeFirstOrThrow()).document;

    // 4. one select by primary key: Kysely (with the app's statement cache) vs a prepared statement
    const raw = new BetterSqlite3(file);
    raw.pragma('journal_mode = WAL');
    raw.pragma('busy_timeout = 5000');
    const refs = (await database.db.selectFrom('epayment_payments').select('reference').limit(1000).execute()).map((r) => r.reference);
    const selectRaw = raw.prepare('select "document", "event_count" from "epayment_payments" where "msn" = ? and "reference" = ?');
    const LOOKUPS = 50_000;
    for (let i = 0; i < 5000; i += 1) await paymentStore.load(database.db, merchant.msn, refs[i % refs.length]!);
    t0 = process.hrtime.bigint();
    for (let i = 0; i < LOOKUPS; i += 1) await paymentStore.load(database.db, merchant.msn, refs[i % refs.length]!);
    const kyselySelectUs = usPerOp(t0, LOOKUPS);
    t0 = process.hrtime.bigint();
    for (let i = 0; i < LOOKUPS; i += 1) {
      const row = selectRaw.get(merchant.msn, refs[i % refs.length]!) as { document: string; event_count: number };
      JSON.parse(row.document);
    }
    const rawSelectUs = usPerOp(t0, LOOKUPS);
    await database.close();

    // 2./3. the same statements, prepared, synchronously, one transaction per batch
    const stmts = {
      findKey: raw.prepare('select "request_hash", "status", "body" from "idempotency_keys" where "msn" = ? and "operation" = ? and "reference" = ? and "idempotency_key" = ?'),
      findPayment: selectRaw,
      insertPayment: raw.prepare('insert into "epayment_payments" ("msn", "reference", "state", "expires_at", "redirect_token", "event_count", "document", "created_at", "updated_at") values (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      insertEvent: raw.prepare('insert into "epayment_events" ("msn", "reference", "seq", "name", "document") values (?, ?, ?, ?, ?)'),
      insertKey: raw.prepare('insert into "idempotency_keys" ("msn", "operation", "reference", "idempotency_key", "request_hash", "status", "body", "created_at") values (?, ?, ?, ?, ?, ?, ?, ?)'),
    };
    const oneCreate = raw.transaction((reference: string) => {
      // nested better-sqlite3 transaction = savepoint, as the CommandQueue does per command
      const now = new Date().toISOString();
      stmts.findKey.get(merchant.msn, 'create', reference, reference);
      stmts.findPayment.get(merchant.msn, reference);
      stmts.insertPayment.run(merchant.msn, reference, 'CREATED', now, ids.token(), 1, documentJson.replace(sample.payment.reference, reference), now, now);
      stmts.insertEvent.run(merchant.msn, reference, 0, 'CREATED', eventJson);
      stmts.insertKey.run(merchant.msn, 'create', reference, reference, 'x'.repeat(43), 201, '{"redirectUrl":"http://127.0.0.1:1/landing?token=abc","reference":"x"}', now);
    });
    const batch = raw.transaction((prefix: string) => {
      for (let i = 0; i < BATCH; i += 1) oneCreate(`${prefix}-${i}`);
    });
    const rawRun = (label: string) => {
      for (let i = 0; i < 20; i += 1) batch(`${label}-warm-${i}`);
      const start = process.hrtime.bigint();
      for (let i = 0; i < BATCHES; i += 1) batch(`${label}-${i}`);
      return usPerOp(start, BATCH * BATCHES);
    };
    raw.pragma('synchronous = FULL');
    const rawFullUs = rawRun('full');
    raw.pragma('synchronous = OFF');
    const rawOffUs = rawRun('off');
    raw.pragma('synchronous = FULL');
    let commits = 0;
    const commitStart = process.hrtime.bigint();
    for (let i = 0; i < 200; i += 1, commits += 1) raw.transaction(() => stmts.insertEvent.run(merchant.msn, `commit-${i}`, 0, 'CREATED', eventJson))();
    const commitUs = usPerOp(commitStart, commits);
    raw.close();

    const f = (us: number) => `${us.toFixed(1).padStart(7)} µs`;
    const lines = [
      `create, ${BATCH} concurrent per group commit, durable (WAL, synchronous=FULL), no HTTP:`,
      `  EpaymentService.create (Kysely, CommandQueue, domain, hashing)  ${f(serviceUs)} per create  (${(1e6 / serviceUs).toFixed(0)} creates/s on one core)`,
      `  same statements, prepared better-sqlite3, sync transaction      ${f(rawFullUs)} per create  (${(1e6 / rawFullUs).toFixed(0)} /s)`,
      `  same, synchronous=OFF (no fsync)                                ${f(rawOffUs)} per create`,
      `  one durable commit of a 1-row transaction (WAL append + fsync)  ${f(commitUs)}`,
      `select one payment by primary key (+ JSON.parse of the document):`,
      `  paymentStore.load via Kysely (+ statement cache)                ${f(kyselySelectUs)}`,
      `  prepared better-sqlite3 statement                               ${f(rawSelectUs)}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
