import type { MoneyMovements } from '../../platform/money-movements.js';
import type { EventSink } from './service.js';

/** Captures and refunds (successful events) go to the settlement ledger in the command that made them; each event's pspReference keys it. */
export function tellMoneyMoved(movements: MoneyMovements): EventSink {
  return async (trx, payment, events) => {
    const moved = events.filter((e) => e.success && (e.name === 'CAPTURED' || e.name === 'REFUNDED') && e.amount.value > 0);
    await movements.record(
      trx,
      moved.map((e) => ({
        source: 'epayment',
        sourceId: e.pspReference,
        msn: payment.msn,
        kind: e.name === 'CAPTURED' ? ('capture' as const) : ('refund' as const),
        amount: e.amount.value,
        currency: e.amount.currency,
        reference: payment.reference,
        at: e.timestamp,
      })),
    );
  };
}
