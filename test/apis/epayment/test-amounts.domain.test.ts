import { describe, expect, it } from 'vitest';
import { create, decide, replay, type Payment } from '../../../src/apis/epayment/domain.js';

const ctx = { now: new Date('2026-01-01T12:00:00Z'), newPspReference: () => '1234567890' };
function payment(value: number): Payment {
  const outcome = create(
    {
      msn: '123456', reference: 'ref-12345678', amount: { currency: 'NOK', value }, paymentMethod: 'WALLET', userFlow: 'WEB_REDIRECT',
      returnUrl: 'https://shop.example/r', hasReceipt: false, idempotencyKey: 'k', pspReference: 'p', redirectToken: 't',
      merchant: { country: 'NO', allowSkipLandingPage: true, allowLongLiving: true },
    },
    ctx,
  );
  if (!outcome.ok) throw new Error(outcome.problem.title);
  return outcome.payment;
}

describe('test amounts in the pure domain', () => {
  it('an approval in the app of 151 fails: one unsuccessful event, state and sums unchanged', () => {
    const p = payment(151);
    const outcome = decide(p, { type: 'approve', phoneNumber: '4797777776', testAmounts: true }, ctx);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.declined).toMatchObject({ amountValue: 151, reason: 'Insufficient funds', phoneNumber: '4797777776' });
    expect(outcome.events.map((e) => [e.name, e.success])).toEqual([['AUTHORIZED', false]]);
    expect(outcome.payment.state).toBe('CREATED');
    expect(outcome.payment.aggregate.authorized).toBe(0);
    // Replaying the log gives the same state: a failed event changes nothing.
    expect(replay(p, outcome.events).state).toBe('CREATED');
  });

  it('force approve (no testAmounts) and normal amounts authorize', () => {
    const forced = decide(payment(151), { type: 'approve' }, ctx);
    expect(forced.ok && forced.payment.state).toBe('AUTHORIZED');
    const normal = decide(payment(150), { type: 'approve', testAmounts: true }, ctx);
    expect(normal.ok && normal.payment.state).toBe('AUTHORIZED');
    expect(normal.ok && normal.declined).toBeUndefined();
  });
});
