/**
 * The pure eCom state machine under random command sequences: money is never created, the
 * summary always adds up, the log only grows, and final states stay final.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, initiate, summary, remainingToCapture, type Command, type EcomPayment } from '../../../src/apis/ecom/domain.js';

const user = { email: 'a@example.com', firstName: 'Ada', lastName: 'L', mobileNumber: '97777776', userId: 'abc==', phoneNumber: '4797777776', sub: 's' };
let n = 1_000_000_000;
const ctx = (ms: number) => ({ now: new Date(Date.UTC(2026, 0, 1) + ms), newTransactionId: () => String((n += 1)) });

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ type: fc.constant('approve' as const), user: fc.constant(user), directCapture: fc.boolean() }),
  fc.constant({ type: 'reject' as const }),
  fc.constantFrom({ type: 'abandon' as const, reason: 'landing' as const }, { type: 'abandon' as const, reason: 'timeout' as const }),
  fc.record({ type: fc.constant('capture' as const), amount: fc.option(fc.integer({ min: 0, max: 30_000 }), { nil: null }), transactionText: fc.constant('c'), requestId: fc.constant('') }),
  fc.record({ type: fc.constant('cancel' as const), transactionText: fc.constant('x'), releaseRemaining: fc.boolean(), requestId: fc.constant('') }),
  fc.record({ type: fc.constant('refund' as const), amount: fc.integer({ min: 100, max: 30_000 }), transactionText: fc.constant('r'), requestId: fc.constant('') }),
);

function start(amount: number): EcomPayment {
  const o = initiate(
    {
      msn: '123456', orderId: 'order-1', amount, transactionText: 't', paymentType: 'eComm Regular Payment', callbackPrefix: 'https://x', fallBack: 'https://y',
      isApp: false, useExplicitCheckoutFlow: false, skipLandingPage: false, token: 'tok', merchant: { allowSkipLandingPage: false },
    },
    ctx(0),
  );
  if (!o.ok) throw new Error('initiate failed');
  return o.payment;
}

describe('eCom domain properties', () => {
  it('keeps 0 ≤ refunded ≤ captured ≤ reserved, a growing log and final states', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 25_000 }), fc.array(command, { maxLength: 25 }), (amount, commands) => {
        let p = start(amount);
        commands.forEach((c, i) => {
          const before = p;
          const o = decide(p, c, ctx(1000 * (i + 1)));
          if (!o.ok) {
            expect(o.error.status).toBeGreaterThanOrEqual(400);
            return;
          }
          p = o.payment;
          expect(p.log.length).toBeGreaterThanOrEqual(before.log.length);
          expect(p.log.slice(0, before.log.length)).toEqual(before.log);
          if (['CANCEL', 'VOID', 'REJECTED'].includes(before.state)) expect(p.state).toBe(before.state);
          // Callbacks only for what the user (or the clock) did.
          if (c.type === 'capture' || c.type === 'cancel' || c.type === 'refund') expect(o.callback).toBeUndefined();
        });
        expect(p.refunded).toBeGreaterThanOrEqual(0);
        expect(p.refunded).toBeLessThanOrEqual(p.captured);
        expect(p.captured).toBeLessThanOrEqual(p.reserved);
        expect(remainingToCapture(p)).toBeGreaterThanOrEqual(0);
        const s = summary(p);
        if (s) {
          expect(s.remainingAmountToRefund).toBe(s.capturedAmount - s.refundedAmount);
          expect(s.capturedAmount + s.remainingAmountToCapture).toBeLessThanOrEqual(p.reserved);
        } else {
          expect(p.log).toHaveLength(1);
        }
        const captures = p.log.filter((e) => e.operation === 'CAPTURE' || e.operation === 'SALE').reduce((sum, e) => sum + (e.operationSuccess ? e.amount : 0), 0);
        expect(captures).toBe(p.captured);
      }),
      { numRuns: 400 },
    );
  });
});
