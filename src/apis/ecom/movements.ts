import type { MoneyMovement } from '../../platform/money-movements.js';
import type { EcomPayment } from './domain.js';

/**
 * What an eCom payment's change moved (settlement ledger): a capture (also a direct-capture SALE)
 * when `captured` grew, a refund when `refunded` grew; keyed by the running total after it.
 */
export function paymentMovements(before: EcomPayment, after: EcomPayment, at: string): MoneyMovement[] {
  const base = { source: 'ecom', msn: after.msn, currency: 'NOK', reference: after.orderId, at };
  const moved: MoneyMovement[] = [];
  if (after.captured > before.captured) moved.push({ ...base, kind: 'capture', amount: after.captured - before.captured, sourceId: `${after.msn}:${after.orderId}:captured:${after.captured}` });
  if (after.refunded > before.refunded) moved.push({ ...base, kind: 'refund', amount: after.refunded - before.refunded, sourceId: `${after.msn}:${after.orderId}:refunded:${after.refunded}` });
  return moved;
}
