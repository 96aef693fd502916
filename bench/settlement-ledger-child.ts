/**
 * Child of the settlement-report bench, the ledger variant: `seed` fills a SQLite file's
 * settlement_transactions with N lines over 10 settlements; `write` writes the XML v3 report of
 * those settlements reading the lines from the ledger as the download and SFTP do (keyset batches
 * of store.transactionLines), and prints `{ms, cpuMs, maxRssBytes, bytes}`.
 *
 *   node dist/bench/settlement-ledger-child.js seed  <db file> <transactions>
 *   node dist/bench/settlement-ledger-child.js write <db file> <transactions> <out file>
 */
import { createWriteStream, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { settlementMigrations } from '../src/apis/settlements/migrations.js';
import type { SalesUnit, Settlement } from '../src/apis/settlements/domain/types.js';
import { salesUnitReportOf } from '../src/apis/settlements/reports/from-ledger.js';
import { reportStream } from '../src/apis/settlements/reports/index.js';
import { settlementStore, type SettlementTransactionsTable } from '../src/apis/settlements/store.js';
import { openDatabase } from '../src/db/open.js';

const [mode, file, countArg, out] = process.argv.slice(2);
const total = Number(countArg);
const SETTLEMENTS = 10;
const MSN = '123456';
const START = Date.UTC(2025, 2, 1, 6);
const per = Math.ceil(total / SETTLEMENTS);
if ((mode !== 'seed' && mode !== 'write') || !file || !Number.isInteger(total)) throw new Error('usage: settlement-ledger-child.js seed|write <db> <n> [out]');

// Only the settlements tables: importing the whole registry would weigh on the RSS measured.
const migrations = Object.entries(settlementMigrations);
const database = await openDatabase({ kind: 'sqlite', file }, migrations);
const dateOf = (i: number) => new Date(START + i * 86_400_000).toISOString().slice(0, 10);

if (mode === 'seed') {
  const BATCH = 1_000;
  for (let s = 0; s < SETTLEMENTS; s += 1) {
    for (let from = s * per; from < Math.min(total, (s + 1) * per); from += BATCH) {
      const rows: SettlementTransactionsTable[] = [];
      for (let i = from; i < Math.min(total, (s + 1) * per, from + BATCH); i += 1) {
        const refund = i % 10 === 9;
        const amount = 100 + ((i * 7919) % 500_000);
        rows.push({
          msn: MSN, transaction_id: String(5_000_000_000 + i), kind: refund ? 'refund' : 'capture',
          time: new Date(START + s * 86_400_000 + (i - s * per) * 80).toISOString(), ledger_date: dateOf(s),
          amount: refund ? -amount : amount, fee: refund ? 0 : Math.floor((amount * 150) / 10_000 + 0.5), currency: 'NOK',
          order_id: i % 4 === 0 ? '' : `order-${i}`, source: 'bench', source_id: String(i), settlement_id: String(2_000_001 + s),
        });
      }
      await database.commands.run((trx) => trx.insertInto('settlement_transactions').values(rows).execute());
    }
  }
  await database.close();
} else {
  const unit: SalesUnit = {
    msn: MSN, ledgerId: '302321', saleUnitName: 'Bench Butikk', organizationName: 'Bench AS', organizationNumber: '998724341', mainAddress: 'Kastellhagen 2',
    mainAddressZipCode: '0150', mainAddressCity: 'Oslo', mainAddressCountryCode: 'NOR', settlementAccount: '15037654733', country: 'NO', currency: 'NOK',
    settlementType: 'Net', frequency: 'daily', fee: { percentBp: 150, fixed: 0 }, cutoffHour: 0,
  };
  // Totals the writer does not need (v3 sums while writing); the settlement documents are small.
  const settlements: Settlement[] = Array.from({ length: SETTLEMENTS }, (_, s) => ({
    settlementId: String(2_000_001 + s), msn: MSN, ledgerId: unit.ledgerId, currency: 'NOK', settlementType: 'Net', settlementDate: dateOf(s),
    firstLedgerDate: dateOf(s), createdAt: '', payoutDate: '', numberOfTransactions: 0, captureAmount: 0, refundAmount: 0, grossAmount: 0, feeAmount: 0,
    netAmount: 0, settledAmount: 0, settlementAccount: unit.settlementAccount, bankText: '',
  }));
  const model = { salesUnits: [salesUnitReportOf(unit, settlements, (s) => settlementStore.transactionLines(database.db, MSN, s.settlementId))] };
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await pipeline(reportStream('xml', model), createWriteStream(out!));
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  process.stdout.write(`${JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssBytes: process.resourceUsage().maxRSS * 1024, bytes: statSync(out!).size })}\n`);
  await database.close();
}
