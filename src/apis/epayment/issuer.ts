/**
 * ePayment as the platform's payment issuer (src/platform/payment-port.ts): payments other modules
 * have made on their behalf (a Checkout session's payment) are ordinary ePayment payments; their
 * owner is told of every change inside the command that made it.
 */
import type { MerchantDirectory } from '../../platform/merchants.js';
import type { IssuedPayment, PaymentIssuer, PaymentPort } from '../../platform/payment-port.js';
import type { Payment } from './domain.js';
import type { EpaymentService, EventSink } from './service.js';

export function issuedView(p: Payment): IssuedPayment {
  return {
    ...(p.owner === undefined ? {} : { owner: p.owner }),
    msn: p.msn,
    reference: p.reference,
    state: p.state,
    method: p.paymentMethod,
    amount: p.amount,
    aggregate: p.aggregate,
    ...(p.redirectUrl === undefined ? {} : { landingUrl: p.redirectUrl }),
    ...(p.userPhoneNumber === undefined ? {} : { phoneNumber: p.userPhoneNumber }),
    ...(p.sub === undefined ? {} : { sub: p.sub }),
    ...(p.lastDecline ? { lastDecline: { reason: p.lastDecline.reason, message: p.lastDecline.message } } : {}),
  };
}

export function epaymentIssuer(epayment: EpaymentService, merchants: MerchantDirectory): PaymentIssuer {
  return {
    async issue(trx, order, key) {
      const merchant = merchants.get(order.msn);
      if (!merchant) return { ok: false, status: 403, title: 'Forbidden', detail: `No sales unit ${order.msn}.` };
      const r = await epayment.createInCommand(trx, merchant, order, key);
      if ('problem' in r) return { ok: false, status: r.problem.status, title: r.problem.title, detail: r.problem.detail ?? r.problem.title };
      return { ok: true, payment: issuedView(r.payment) };
    },
    async get(msn, reference) {
      const current = await epayment.current(msn, reference);
      return current && issuedView(current);
    },
    async payByCard(msn, reference, outcome) {
      const r = await epayment.cardDecision(msn, reference, outcome);
      if ('problem' in r) return { ok: false, status: r.problem.status, message: `${r.problem.title}. ${r.problem.detail ?? ''}`.trim() };
      return { ok: true, payment: issuedView(r.payment) };
    },
    async abort(msn, reference) {
      const r = await epayment.cancelByUser(msn, reference);
      if (r.problem) return { ok: false, status: r.problem.status, message: `${r.problem.title}. ${r.problem.detail ?? ''}`.trim() };
      const p = await epayment.current(msn, reference);
      return p ? { ok: true, payment: issuedView(p) } : { ok: false, status: 404, message: 'The payment is gone.' };
    },
  };
}

/** Tells a payment's owner of its changes, in the changing command's transaction. */
export function tellOwner(port: PaymentPort): EventSink {
  return async (trx, payment) => {
    if (payment.owner !== undefined) await port.changed(trx, issuedView(payment));
  };
}
