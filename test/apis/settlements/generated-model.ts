/**
 * Report models built from arbitrary rows (fast-check), for writer tests that need no engine:
 * several settlements over several days, captures with fees, refunds without, awkward names.
 */
import fc from 'fast-check';
import type { ReportSalesUnit, ReportTransaction, SettlementReportModel, SettlementType } from '../../../src/apis/settlements/reports/model.js';

const DAY = 86_400_000;

export const rowArb = fc.record({
  kind: fc.constantFrom<'capture' | 'refund'>('capture', 'capture', 'capture', 'refund'),
  amountOre: fc.integer({ min: 1, max: 5_000_000 }),
  feePercentBp: fc.integer({ min: 0, max: 300 }),
  orderId: fc.oneof(fc.constant(''), fc.stringMatching(/^[A-Za-z0-9-]{1,30}$/)),
  gapMs: fc.integer({ min: 1, max: 6 * 3_600_000 }),
});

export const settlementArb = fc.record({
  type: fc.constantFrom<SettlementType>('Net', 'Gross'),
  rows: fc.array(rowArb, { minLength: 1, maxLength: 12 }),
});

export const modelArb = fc.record({
  name: fc.oneof(fc.constant('Blodsmak Sportsklubb'), fc.constant('Fisk & Chips, "Grünerløkka" <AS>'), fc.constant('Kafé Ærlig Øl')),
  startMs: fc.integer({ min: Date.UTC(2019, 0, 1), max: Date.UTC(2030, 0, 1) }),
  settlements: fc.array(settlementArb, { minLength: 1, maxLength: 5 }),
});

export type ModelInput = typeof modelArb extends fc.Arbitrary<infer T> ? T : never;

/** Builds the model; rows are given ids in order and times increasing from startMs. */
export function buildModel(input: ModelInput): SettlementReportModel {
  let time = input.startMs;
  let txId = 5_000_000_000;
  const settlements = input.settlements.map((s, i) => {
    const rows: ReportTransaction[] = s.rows.map((r) => {
      time += r.gapMs;
      txId += 1;
      return {
        timeMs: time,
        kind: r.kind,
        amountOre: r.amountOre,
        feeOre: r.kind === 'capture' ? Math.min(r.amountOre, Math.floor((r.amountOre * r.feePercentBp) / 10_000 + 0.5)) : 0,
        transactionId: String(txId),
        orderId: r.orderId,
      };
    });
    const date = new Date(time + 2 * 3_600_000).toISOString().slice(0, 10);
    time += DAY;
    return { settlementId: 2_000_001 + i, settlementDate: date, type: s.type, currency: 'NOK', transactions: () => rows };
  });
  const unit: ReportSalesUnit = {
    name: input.name,
    msn: '123456',
    organizationName: `${input.name} Holding`,
    organizationNumber: '998724341',
    address: 'Kastellhagen 2',
    zipCode: '0744',
    city: 'Oslo',
    countryCode: 'NOR',
    accountNumber: '15037654733',
    reportDateFrom: new Date(input.startMs).toISOString().slice(0, 10),
    reportDateTo: settlements.at(-1)!.settlementDate,
    currency: 'NOK',
    settlements,
  };
  return { salesUnits: [unit] };
}

/** Sums over a model's rows, in øre: what every format's totals must agree with. */
export async function modelSums(model: SettlementReportModel) {
  const sums = { count: 0, capture: 0, refund: 0, fee: 0, settled: 0 };
  for (const u of model.salesUnits) {
    for (const s of u.settlements) {
      let capture = 0;
      let refund = 0;
      let fee = 0;
      for await (const t of s.transactions()) {
        sums.count += 1;
        if (t.kind === 'capture') {
          capture += t.amountOre;
          fee += t.feeOre;
        } else refund -= t.amountOre;
      }
      sums.capture += capture;
      sums.refund += refund;
      sums.fee += fee;
      sums.settled += s.type === 'Net' ? capture + refund - fee : capture + refund;
    }
  }
  return sums;
}
