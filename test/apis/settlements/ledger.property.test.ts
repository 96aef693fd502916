/**
 * The same conservation law as engine.property.test.ts, through the running emulator and its
 * database: random captures, refunds (booked through the control API, as a payment API books them)
 * and clock jumps for a fresh sales unit each run. Per unit: payouts + fees retained (read back from
 * the Report API's funds feed) + the funds balance = captures − refunds; every transaction is in at
 * most one settlement and each settlement's sums are those of its lines.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => emu.close());

type Op = { type: 'capture' | 'refund'; amount: number } | { type: 'jump'; minutes: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ type: fc.constant('capture' as const), amount: fc.integer({ min: 1, max: 2_000_00 }) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('refund' as const), amount: fc.integer({ min: 1, max: 2_000_00 }) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('jump' as const), minutes: fc.integer({ min: 1, max: 60 * 24 * 4 }) }) },
);

describe('the ledger in the database', () => {
  it('conserves money per sales unit and settles nothing twice', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), fc.constantFrom('Net', 'Gross'), fc.constantFrom('daily', 'weekly'), async (ops, settlementType, frequency) => {
        const created = await emu.call('POST', '/devkit/v1/merchants', { body: {} });
        expect(created.status, created.text).toBe(201);
        const msn = created.body.msn as string;
        const unit = `/devkit/v1/settlements/units/${msn}`;
        expect((await emu.call('PATCH', unit, { body: { settlementType, frequency, fee: { percentBp: 175, fixed: 100 } } })).status).toBe(200);
        let captures = 0;
        let refunds = 0;
        for (const o of ops) {
          if (o.type === 'jump') {
            expect((await emu.call('POST', '/devkit/v1/clock/advance', { body: { milliseconds: o.minutes * 60_000 } })).status).toBe(200);
            continue;
          }
          expect((await emu.call('POST', `${unit}/transactions`, { body: { kind: o.type, amount: o.amount } })).status).toBe(201);
          if (o.type === 'capture') captures += o.amount;
          else refunds += o.amount;
        }
        const ledger = (await emu.call('GET', `${unit}/ledger`)).body;
        const settlements = (await emu.call('GET', `/devkit/v1/settlements?msn=${msn}`)).body.settlements as any[];
        const transactions = (await emu.call('GET', `${unit}/transactions`)).body.transactions as any[];

        // Fees retained, as the Report API's funds feed shows them (the merchant's own keys).
        const merchant = emu.ctx.merchants.get(msn)!;
        const headers = { authorization: `Bearer ${await emu.fetchToken(merchant)}`, 'ocp-apim-subscription-key': merchant.subscriptionKey, 'merchant-serial-number': undefined };
        const feed = await emu.call('GET', `/report/v2/ledgers/${ledger.ledgerId}/funds/feed`, { headers });
        expect(feed.status, feed.text).toBe(200);
        const feesRetained = -(feed.body.items as any[]).filter((e) => e.entryType === 'fees-retained').reduce((n, e) => n + e.amount, 0);
        const payouts = settlements.reduce((n, s) => n + s.settledAmount, 0);
        expect(payouts + feesRetained + ledger.fundsBalance).toBe(captures - refunds);
        expect(feed.body.items.length === 0 ? 0 : feed.body.items[feed.body.items.length - 1].balanceAfter).toBe(ledger.fundsBalance);

        for (const s of settlements) {
          const lines = transactions.filter((t) => t.settlementId === s.settlementId);
          expect([lines.length, lines.reduce((n, t) => n + t.grossAmount, 0), lines.reduce((n, t) => n + t.feeAmount, 0)]).toEqual([s.numberOfTransactions, s.grossAmount, s.feeAmount]);
          expect(s.settledAmount).toBeGreaterThan(0);
        }
        // Each transaction in at most one settlement: the settlements' counts add up to the settled lines.
        expect(settlements.reduce((n, s) => n + s.numberOfTransactions, 0)).toBe(transactions.filter((t) => t.settlementId !== null).length);
        expect(new Set(settlements.map((s) => s.settlementId)).size).toBe(settlements.length);
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});
