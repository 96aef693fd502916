/**
 * Property tests for the pure Recurring domain (src/apis/recurring/domain.ts).
 *
 * Random command sequences on one agreement — accept (with or without an initial charge of either
 * transaction type, with or without funds), reject, expire, stop; create charges with random
 * amounts, due dates and retry days; let the calendar run for random spans (the steps applied in
 * order of their instants, as the service's batches do); capture, refund and cancel random charges
 * by random amounts; take the user's funds away and give them back — keep the invariants:
 *
 *  - captured ≤ reserved ≤ amount, captured + cancelled ≤ amount, refunded ≤ captured; nothing negative;
 *  - no charge on a stopped agreement: none is created, and none takes money after the stop;
 *  - one charge per due date: the calendar takes each charge at most once, on a day from its due
 *    date to due + retryDays, an hour after the 07:00 or 15:00 UTC run; a charge that failed took
 *    nothing; at most one attempt a day, a second one only in the afternoon after a fix;
 *  - a PROCESSING charge has taken nothing; a partial capture's rest is due for release; after the
 *    calendar ran, nothing it owed is left behind; a pickup and its result in one go (after a
 *    jump) give what the two steps give;
 *  - statuses agree with the sums (CHARGED ⇒ captured > 0, REFUNDED ⇒ refunded = captured, FAILED ⇒ a reason);
 *  - an agreement leaves PENDING at most once; STOPPED and EXPIRED are final;
 *  - refused commands change nothing (inputs are frozen).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROCESSING_MS } from '../../../src/apis/recurring/calendar.js';
import {
  accept,
  cancelCharge,
  cancelOpen,
  captureCharge,
  createCharge,
  draft,
  expire,
  processKey,
  processStep,
  processUntil,
  releaseAt,
  refundCharge,
  reject,
  stop,
  type Agreement,
  type Charge,
} from '../../../src/apis/recurring/domain.js';
import type { DraftAgreementRequest } from '../../../src/apis/recurring/schemas.js';

const DAY = 86_400_000;
const START = Date.parse('2030-03-10T09:30:00Z');

type Cmd =
  | { t: 'accept'; funds: boolean }
  | { t: 'reject' }
  | { t: 'expire' }
  | { t: 'stop' }
  | { t: 'charge'; amount: number; dueIn: number; retryDays: number; reserve: boolean }
  | { t: 'run'; hours: number }
  | { t: 'capture' | 'refund'; i: number; amount: number }
  | { t: 'cancel'; i: number }
  | { t: 'funds'; insufficient: boolean };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ t: fc.constant('accept' as const), funds: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constantFrom<Cmd>({ t: 'reject' }, { t: 'expire' }, { t: 'stop' }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constant('charge' as const), amount: fc.integer({ min: 100, max: 30_000 }), dueIn: fc.integer({ min: 1, max: 60 }), retryDays: fc.integer({ min: 0, max: 14 }), reserve: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('run' as const), hours: fc.integer({ min: 1, max: 24 * 45 }) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constantFrom('capture' as const, 'refund' as const), i: fc.nat(20), amount: fc.oneof(fc.integer({ min: 1, max: 30_000 }), fc.constant(100)) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('cancel' as const), i: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('funds' as const), insufficient: fc.boolean() }) },
);

const deepFreeze = <T>(o: T): T => {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
};

function check(agreement: Agreement, charges: Charge[]) {
  for (const c of charges) {
    expect(c.reserved).toBeGreaterThanOrEqual(0);
    expect(c.captured).toBeLessThanOrEqual(c.reserved);
    expect(c.reserved).toBeLessThanOrEqual(c.amount);
    expect(c.captured + c.cancelled).toBeLessThanOrEqual(c.amount);
    expect(c.refunded).toBeLessThanOrEqual(c.captured);
    expect(Math.min(c.captured, c.cancelled, c.refunded)).toBeGreaterThanOrEqual(0);
    // Taken by the calendar (or at acceptance) at most once.
    const taken = c.history.filter((h) => h.success && h.idempotencyKey === processKey(c) && (h.event === 'CAPTURE' || h.event === 'RESERVE'));
    expect(taken.length).toBeLessThanOrEqual(1);
    if (taken[0] && c.type !== 'INITIAL') {
      const day = Math.round((Date.parse(taken[0].occurred.slice(0, 10)) - Date.parse(c.due)) / DAY);
      expect(day).toBeGreaterThanOrEqual(0);
      expect(day).toBeLessThanOrEqual(c.retryDays);
      // The result of the 07:00 or 15:00 UTC run, an hour of processing later.
      expect([`${taken[0].occurred.slice(0, 10)}T07:00:00.000Z`, `${taken[0].occurred.slice(0, 10)}T15:00:00.000Z`].map((run) => new Date(Date.parse(run) + PROCESSING_MS).toISOString())).toContain(taken[0].occurred);
    }
    if (agreement.stop !== null) {
      // No money is taken after the agreement stopped.
      expect(c.history.filter((h) => h.success && (h.event === 'RESERVE' || h.event === 'CAPTURE') && h.idempotencyKey === processKey(c) && h.occurred > agreement.stop!)).toEqual([]);
    }
    if (c.status === 'CHARGED') expect(c.captured).toBeGreaterThan(0);
    if (c.status === 'REFUNDED') expect(c.refunded).toBe(c.captured);
    if (c.status === 'FAILED') {
      expect(c.failureReason).not.toBeNull();
      expect(c.captured + c.reserved).toBe(0);
    }
    if (c.status === 'RESERVED') expect(c.reserved).toBe(c.amount);
    if (c.status === 'PROCESSING') expect(c.reserved + c.captured).toBe(0);
    // Retries are once a day: a second attempt on a date only in the afternoon run (the cause fixed since the morning).
    const fails = c.history.filter((h) => h.event === 'FAIL' && c.type !== 'INITIAL');
    for (const [i, f] of fails.entries()) {
      const sameDay = fails.filter((g, j) => j < i && g.occurred.slice(0, 10) === f.occurred.slice(0, 10));
      expect(sameDay.length).toBeLessThanOrEqual(1);
      if (sameDay.length === 1) expect(f.occurred.slice(11, 16)).toBe('16:00');
    }
    // A partial capture's rest is released by the calendar (or cancelled by the merchant): never left reserved for ever.
    if (c.status === 'PARTIALLY_CAPTURED') expect(c.nextAt).toBe(releaseAt(c.capturedAt!));
  }
}

describe('Recurring domain properties', () => {
  it('any command sequence keeps the agreement and charge invariants', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: 100, max: 10_000 }), fc.option(fc.constantFrom('DIRECT_CAPTURE', 'RESERVE_CAPTURE') as fc.Arbitrary<'DIRECT_CAPTURE' | 'RESERVE_CAPTURE'>), fc.array(cmd, { maxLength: 40 }), (variable, price, initialType, commands) => {
        let now = START;
        const request: DraftAgreementRequest = {
          pricing: variable ? { type: 'VARIABLE', currency: 'NOK', suggestedMaxAmount: price } : { type: 'LEGACY', currency: 'NOK', amount: price },
          interval: { unit: 'MONTH', count: 1 },
          merchantRedirectUrl: 'https://example.com/r',
          merchantAgreementUrl: 'https://example.com/a',
          productName: 'Property',
          ...(initialType ? { initialCharge: { amount: price, description: 'First', transactionType: initialType } } : {}),
        };
        const drafted = draft({ msn: '123456', id: 'agr_prop001', uuid: '00000000-0000-4000-8000-000000000000', token: 't', request, allowSkipLandingPage: false, generatedChargeId: 'chr-init001' }, new Date(now));
        if (!drafted.ok) throw new Error(drafted.problem.detail);
        let agreement = deepFreeze(drafted.agreement);
        let charges: Charge[] = drafted.initialCharge ? [deepFreeze(drafted.initialCharge)] : [];
        let insufficient = false;
        let leftPending = 0;
        let n = 0;
        const replace = (c: Charge) => {
          charges = charges.map((x) => (x.id === c.id ? deepFreeze(c) : x));
        };
        const initial = () => charges.find((c) => c.type === 'INITIAL');

        for (const c of commands) {
          const before = JSON.stringify({ agreement, charges });
          const status = agreement.status;
          switch (c.t) {
            case 'accept':
            case 'reject':
            case 'expire': {
              const r =
                c.t === 'accept' ? accept(agreement, initial(), { phoneNumber: '4791234567', sub: 's', payer: { exists: true, insufficientFunds: !c.funds }, testAmounts: true, transactionId: '1234567890', actor: 'USER' }, new Date(now))
                : c.t === 'reject' ? reject(agreement, initial(), '4791234567', new Date(now))
                : expire(agreement, initial());
              if (!r.ok) {
                expect(status).not.toBe('PENDING');
                expect(JSON.stringify({ agreement, charges })).toBe(before);
                break;
              }
              expect(status).toBe('PENDING');
              leftPending += 1;
              agreement = deepFreeze(r.agreement);
              if (r.initialCharge) replace(r.initialCharge);
              break;
            }
            case 'stop': {
              const r = stop(agreement, 'MERCHANT', new Date(now));
              if (!r.ok) {
                expect(['STOPPED', 'EXPIRED']).toContain(status);
                break;
              }
              if (status === 'PENDING') leftPending += 1;
              agreement = deepFreeze(r.agreement);
              for (const x of charges) replace(cancelOpen(x, r.agreement.stop!, 'MERCHANT', 'stop').charge);
              break;
            }
            case 'charge': {
              const due = new Date(now + c.dueIn * DAY).toISOString().slice(0, 10);
              const r = createCharge(agreement, { id: `chr-${(n += 1)}`, idempotencyKey: `k${n}`, request: { amount: c.amount, transactionType: c.reserve ? 'RESERVE_CAPTURE' : 'DIRECT_CAPTURE', description: 'x', due, retryDays: c.retryDays } }, new Date(now));
              if (agreement.status !== 'ACTIVE') expect(r.ok).toBe(false);
              if (r.ok) charges = [...charges, deepFreeze(r.charge)];
              break;
            }
            case 'run': {
              const until = now + c.hours * 3_600_000;
              // The calendar: the earliest owed step first, as the service's batches take them.
              for (;;) {
                const next = charges.filter((x) => x.nextAt !== null && Date.parse(x.nextAt) <= until).sort((a, b) => a.nextAt!.localeCompare(b.nextAt!) || a.id.localeCompare(b.id))[0];
                if (!next) break;
                // As the service runs it: a pickup and its result, when both are owed, in one go.
                const step = processUntil(next, agreement, { exists: true, insufficientFunds: insufficient }, '1234567890', new Date(until).toISOString());
                // …which is exactly the two steps one after the other.
                const payer = { exists: true, insufficientFunds: insufficient };
                const single = processStep(next, agreement, payer, '1234567890');
                const both = single.charge.status === 'PROCESSING' && Date.parse(single.charge.nextAt!) <= until;
                const second = both ? processStep(single.charge, agreement, payer, '1234567890') : undefined;
                expect(step).toEqual(second ? { charge: second.charge, events: [...single.events, ...second.events] } : single);
                expect(step.charge.nextAt === null || step.charge.nextAt > next.nextAt!).toBe(true);
                replace(step.charge);
              }
              now = until;
              for (const x of charges) {
                // Nothing the calendar owes is left behind: a PROCESSING charge's result and a partial capture's release lie ahead.
                if (x.status === 'PROCESSING' || x.status === 'PARTIALLY_CAPTURED') expect(Date.parse(x.nextAt!)).toBeGreaterThan(now);
              }
              break;
            }
            case 'capture':
            case 'refund':
            case 'cancel': {
              const target = charges[c.i % Math.max(1, charges.length)];
              if (!target) break;
              const r = c.t === 'capture' ? captureCharge(target, c.amount, 'm', '1234567890', new Date(now)) : c.t === 'refund' ? refundCharge(target, c.amount, 'm', new Date(now)) : cancelCharge(target, 'm', new Date(now));
              if (r.ok) replace(r.charge);
              else expect(JSON.stringify({ agreement, charges })).toBe(before);
              break;
            }
            case 'funds':
              insufficient = c.insufficient;
              break;
          }
          expect(leftPending).toBeLessThanOrEqual(1);
          if (status === 'STOPPED' || status === 'EXPIRED') expect(agreement.status).toBe(status);
          check(agreement, charges);
        }
      }),
      { numRuns: 300 },
    );
  });
});
