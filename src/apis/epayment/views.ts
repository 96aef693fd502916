import type { Payment } from './domain.js';

/** The API's representations of a payment, derived from the domain object. */
export function aggregateView(p: Payment) {
  const money = (value: number) => ({ currency: p.amount.currency, value });
  return {
    authorizedAmount: money(p.aggregate.authorized),
    cancelledAmount: money(p.aggregate.cancelled),
    capturedAmount: money(p.aggregate.captured),
    refundedAmount: money(p.aggregate.refunded),
  };
}

export function paymentView(p: Payment) {
  return {
    aggregate: aggregateView(p),
    amount: p.amount,
    state: p.state,
    paymentMethod: { type: p.paymentMethod },
    profile: p.sub ? { sub: p.sub } : {},
    pspReference: p.pspReference,
    ...(p.redirectUrl ? { redirectUrl: p.redirectUrl } : {}),
    reference: p.reference,
    ...(p.metadata !== undefined ? { metadata: p.metadata } : {}),
  };
}

export function modificationView(p: Payment) {
  return { amount: p.amount, state: p.state, aggregate: aggregateView(p), pspReference: p.pspReference, reference: p.reference };
}
