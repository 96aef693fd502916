/**
 * Child of the settlement-report bench: writes the XML v3 report for N generated transactions to
 * a file and prints `{ms, cpuMs, maxRssBytes, bytes}` as JSON. A process of its own, so its peak RSS is
 * the writer's and nothing else's.
 *
 *   node dist/bench/settlement-report-child.js <file> <transactions> [settlements]
 */
import { createWriteStream, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { reportStream } from '../src/apis/settlements/reports/index.js';
import type { ReportTransaction, SettlementReportModel } from '../src/apis/settlements/reports/model.js';

const [file, countArg, settlementsArg] = process.argv.slice(2);
const total = Number(countArg);
const settlementCount = Number(settlementsArg ?? 10);
if (!file || !Number.isInteger(total) || total < settlementCount) throw new Error('usage: settlement-report-child.js <file> <transactions> [settlements]');

const START = Date.UTC(2025, 2, 1, 6);
const perSettlement = Math.ceil(total / settlementCount);

/** Rows made on demand, like a ledger cursor: nothing of them is kept. */
function* rows(index: number): Generator<ReportTransaction> {
  const first = index * perSettlement;
  const last = Math.min(total, first + perSettlement);
  // One settlement per day; rows spread over that day.
  const step = Math.floor(86_400_000 / perSettlement) || 1;
  for (let i = first; i < last; i += 1) {
    const refund = i % 10 === 9;
    const amountOre = 100 + ((i * 7919) % 500_000);
    yield {
      timeMs: START + index * 86_400_000 + (i - first) * step + (i % 1000),
      kind: refund ? 'refund' : 'capture',
      amountOre,
      feeOre: refund ? 0 : Math.floor((amountOre * 150) / 10_000 + 0.5),
      transactionId: String(5_000_000_000 + i),
      orderId: i % 4 === 0 ? '' : `order-${i}`,
    };
  }
}

const model: SettlementReportModel = {
  salesUnits: [
    {
      name: 'Bench Butikk', msn: '123456', organizationName: 'Bench AS', organizationNumber: '998724341', address: 'Kastellhagen 2',
      zipCode: '0150', city: 'Oslo', countryCode: 'NOR', accountNumber: '15037654733', reportDateFrom: '2025-03-01', reportDateTo: '2025-03-31',
      currency: 'NOK',
      settlements: Array.from({ length: settlementCount }, (_, i) => ({
        settlementId: 2_000_001 + i,
        settlementDate: new Date(START + i * 86_400_000).toISOString().slice(0, 10),
        type: 'Net' as const,
        currency: 'NOK',
        transactions: () => rows(i),
      })),
    },
  ],
};

const started = performance.now();
const cpuBefore = process.cpuUsage();
await pipeline(reportStream('xml', model), createWriteStream(file));
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const cpuMs = (cpu.user + cpu.system) / 1000;
process.stdout.write(`${JSON.stringify({ ms, cpuMs, maxRssBytes: process.resourceUsage().maxRSS * 1024, bytes: statSync(file).size })}\n`);
