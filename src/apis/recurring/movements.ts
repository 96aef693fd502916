import type { MoneyMovement } from '../../platform/money-movements.js';
import type { Charge } from './domain.js';

/**
 * What a charge's change moved (settlement ledger): a capture when `captured` grew, a refund when
 * `refunded` grew. The running total after the change keys it, so a movement is told once.
 */
export function chargeMovements(before: Charge, after: Charge, at: string): MoneyMovement[] {
  const base = { source: 'recurring', msn: after.msn, currency: after.currency, reference: after.externalId ?? after.id, at };
  const moved: MoneyMovement[] = [];
  if (after.captured > before.captured) moved.push({ ...base, kind: 'capture', amount: after.captured - before.captured, sourceId: `${after.id}:captured:${after.captured}` });
  if (after.refunded > before.refunded) moved.push({ ...base, kind: 'refund', amount: after.refunded - before.refunded, sourceId: `${after.id}:refunded:${after.refunded}` });
  return moved;
}
