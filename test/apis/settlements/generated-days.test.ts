/**
 * Reports of generated days through the engine: arbitrary captures and refunds over weeks with
 * Norwegian holidays (Easter, 1 and 17 May, Ascension, Whit Monday, Christmas), net or gross,
 * closed day by day. Every settlement's XML and the period's XML validate against XSD 3.0, and
 * their totals are the ledger's.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, nonBankDayReason, osloInstant } from '../../../src/apis/settlements/domain/calendar.js';
import type { SalesUnit } from '../../../src/apis/settlements/domain/types.js';
import { salesUnitReportOf } from '../../../src/apis/settlements/reports/from-ledger.js';
import { settlementReportXmlV3 } from '../../../src/apis/settlements/reports/xml.js';
import { skipNote } from '../../helpers/skip.js';
import { collect, samplesMissing, totalsInXml, validateXml, xmllintMissing } from './samples.js';
import { runTimeline, type TimelineMovement } from './timeline.js';

const noValidator = samplesMissing ?? xmllintMissing;
const dir = mkdtempSync(path.join(tmpdir(), 'settle-days-'));
/** Windows of days that hold Norwegian public holidays. */
const WINDOWS = ['2026-03-28', '2026-04-28', '2026-05-10', '2026-12-20', '2027-03-20', '2030-04-14'];

const unit = (settlementType: 'Net' | 'Gross', percentBp: number, fixed: number): SalesUnit => ({
  msn: '654321', ledgerId: '302321', saleUnitName: 'Kafé Ærlig & Øl', organizationName: 'Ærlig Øl AS', organizationNumber: '998724341',
  mainAddress: 'Kastellhagen 2', mainAddressZipCode: '0150', mainAddressCity: 'Oslo', mainAddressCountryCode: 'NOR', settlementAccount: '15037654733',
  country: 'NO', currency: 'NOK', settlementType, frequency: 'daily', fee: { percentBp, fixed }, cutoffHour: 0,
});

const dayArb = fc.array(
  fc.record({ kind: fc.constantFrom<'capture' | 'refund'>('capture', 'capture', 'refund'), amountOre: fc.integer({ min: 1, max: 2_000_000 }), minute: fc.integer({ min: 0, max: 1439 }), ms: fc.integer({ min: 0, max: 999 }) }),
  { maxLength: 6 },
);

describe('reports of generated days with holidays', () => {
  it.skipIf(noValidator !== undefined)(`every settlement's XML and the period's XML validate, and print the ledger's totals${skipNote(noValidator)}`, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...WINDOWS),
        fc.array(dayArb, { minLength: 3, maxLength: 14 }),
        fc.constantFrom<'Net' | 'Gross'>('Net', 'Gross'),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 200 }),
        async (start, days, type, percentBp, fixed) => {
          run += 1;
          let id = 5_100_000_000;
          const movements: TimelineMovement[] = days.flatMap((rows, d) =>
            rows
              .map((r) => ({ ...r, timeMs: osloInstant(addDays(start, d), 0).getTime() + r.minute * 60_000 + r.ms }))
              .sort((a, b) => a.timeMs - b.timeMs)
              .map((r) => ({ timeMs: r.timeMs, kind: r.kind, amountOre: r.amountOre, orderId: r.minute % 3 === 0 ? '' : `order-${r.minute}`, transactionId: String((id += 1)) })),
          );
          fc.pre(movements.length > 0);
          const through = addDays(start, days.length + 2);
          const u = unit(type, percentBp, fixed);
          const timeline = runTimeline(u, movements, through);
          fc.pre(timeline.settlements.length > 0);
          // The windows do hold holidays, and payouts skip them.
          expect(Array.from({ length: days.length + 10 }, (_, i) => nonBankDayReason(addDays(start, i))).some((r) => r !== undefined && !/Saturday|Sunday/i.test(r))).toBe(true);
          for (const s of timeline.settlements) expect(nonBankDayReason(s.payoutDate)).toBeUndefined();

          const files: { file: string; settlements: typeof timeline.settlements }[] = timeline.settlements.map((s) => ({ file: path.join(dir, `r${run}-${s.settlementId}.xml`), settlements: [s] }));
          files.push({ file: path.join(dir, `r${run}-period.xml`), settlements: timeline.settlements });
          for (const f of files) {
            const xml = await collect(settlementReportXmlV3({ salesUnits: [salesUnitReportOf(u, f.settlements, timeline.rowsOf)] }));
            writeFileSync(f.file, xml);
            const verdict = await validateXml(f.file);
            expect(verdict.ok, verdict.output).toBe(true);
            const printed = [...totalsInXml(xml).entries()];
            expect(printed.map(([sid, t]) => [String(sid), t.count, t.capture, t.refund, t.fee, t.settled])).toEqual(
              f.settlements.map((s) => [s.settlementId, s.numberOfTransactions, s.captureAmount, s.refundAmount, s.feeAmount, s.settledAmount]),
            );
          }
          // What the reports settle is what left the ledger as payouts.
          const payouts = timeline.entries.filter((e) => e.entryType === 'scheduled-for-payout').map((e) => -e.amount);
          expect(payouts).toEqual(timeline.settlements.map((s) => s.settledAmount));
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);
});
