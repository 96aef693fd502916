/**
 * ePayment on the user side: its payments as the pages' neutral view, and the user's actions on
 * them, through the user inbox's provider interface (src/platform/user-inbox.ts).
 */
import type { DatabaseHandle } from '../../db/open.js';
import type { Problem } from '../../platform/problems.js';
import type { PaymentRequestProvider, PaymentRequestView, UserActionResult, UserInbox } from '../../platform/user-inbox.js';
import type { Payment } from './domain.js';
import type { EventSink, EpaymentService, Reply } from './service.js';
import { paymentStore } from './store.js';

export const EPAYMENT_INBOX = 'epayment';

/** ePayment's inbox key is the reference itself: no other API's key can be one ('/' is not allowed in a reference). */
export const epaymentInboxKey = (p: Pick<Payment, 'msn' | 'reference'>) => ({ msn: p.msn, key: p.reference });

export function paymentRequestView(p: Payment): PaymentRequestView {
  return {
    api: EPAYMENT_INBOX,
    key: p.reference,
    msn: p.msn,
    reference: p.reference,
    state: p.state,
    amount: p.amount,
    ...(p.paymentDescription === undefined ? {} : { description: p.paymentDescription }),
    expiresAt: p.expiresAt,
    token: p.redirectToken,
    ...(p.returnUrl === undefined ? {} : { returnUrl: p.returnUrl }),
    flow: p.userFlow,
    ...(p.customer?.phoneNumber === undefined ? {} : { customerPhoneNumber: p.customer.phoneNumber }),
    ...(p.qrFormat === undefined ? {} : { qrFormat: p.qrFormat }),
    ...(p.lastDecline ? { lastDecline: { reason: p.lastDecline.reason, message: p.lastDecline.message } } : {}),
  };
}

const refused = (status: number, message: string): UserActionResult => ({ ok: false, status, message });
const text = (p: Problem) => `${p.title}. ${p.detail ?? ''}`;

/** What the app says when the user is younger than the payment's minimumUserAge. */
function ageLimit(p: Problem): string | undefined {
  const detail = (name: string) => p.extraDetails?.find((d) => d.name === name)?.reason;
  const minimum = detail('minimumUserAge');
  if (minimum === undefined) return undefined;
  return `Age limit: you must be at least ${minimum} years old to pay this payment (you are ${detail('userAge')}). You can reject it, or someone else can pay it.`;
}

/** The provider ePayment registers with the inbox. */
export function epaymentRequests(epayment: EpaymentService, database: DatabaseHandle): PaymentRequestProvider {
  const done = (r: Reply, onProblem: (p: Problem) => string): UserActionResult => (r.problem ? refused(r.problem.status, onProblem(r.problem)) : { ok: true });
  return {
    name: EPAYMENT_INBOX,
    keyPrefix: '',

    async byToken(token) {
      const stored = await paymentStore.loadByToken(database.db, token);
      return stored && paymentRequestView(stored.payment);
    },

    async load(keys) {
      const payments = await paymentStore.loadMany(database.db, keys.map((k) => ({ msn: k.msn, reference: k.key })));
      return payments.map(paymentRequestView);
    },

    async decide(request, decision, user) {
      const r = await epayment.userDecision(request.msn, request.reference, decision, user.phoneNumber);
      return done(r, (p) => (p.status === 402 ? `Payment failed: ${text(p)}` : ageLimit(p) ?? text(p)));
    },

    async cancel(request) {
      return done(await epayment.cancelByUser(request.msn, request.reference), (p) => `${p.title}: ${p.detail ?? ''}`);
    },
  };
}

/** PUSH_MESSAGE payments go straight to the customer's app, in the same transaction as their creation. */
export function pushToInbox(inbox: UserInbox): EventSink {
  return async (trx, payment, events) => {
    if (payment.userFlow !== 'PUSH_MESSAGE' || !payment.customer?.phoneNumber) return;
    if (!events.some((e) => e.name === 'CREATED')) return;
    await inbox.deliver(trx, epaymentInboxKey(payment), payment.customer.phoneNumber, 'PUSH_MESSAGE');
  };
}
