/**
 * The user side shows eCom payments with the same pages as ePayment ones (landing page, simulated
 * app): this adapts an eCom payment to the pages' payment view, keeping the original alongside.
 */
import type { Payment, State } from '../epayment/domain.js';
import type { EcomPayment } from './domain.js';

/** A payment as the pages see it; `ecom` is set for eCom payments. */
export type PaymentView = Payment & { ecom?: EcomPayment };

function viewState(p: EcomPayment): State {
  switch (p.state) {
    case 'INITIATE':
      return 'CREATED';
    case 'RESERVE':
    case 'SALE':
      return 'AUTHORIZED';
    case 'REJECTED':
      return 'EXPIRED';
    case 'CANCEL':
      // Rejected in the app (a user acted) or cancelled by the merchant.
      return p.userPhoneNumber ? 'ABORTED' : 'TERMINATED';
    case 'VOID':
      return 'TERMINATED';
  }
}

/** The fallBack the browser is sent to, when a browser can follow it. */
export function browserFallBack(p: EcomPayment): string | undefined {
  return /^https?:\/\//i.test(p.fallBack) ? p.fallBack : undefined;
}

export function ecomPaymentView(p: EcomPayment): PaymentView {
  const returnUrl = p.skipLandingPage ? undefined : browserFallBack(p);
  return {
    msn: p.msn,
    reference: p.orderId,
    state: viewState(p),
    amount: { currency: 'NOK', value: p.reserved || p.amount },
    aggregate: { authorized: p.reserved, cancelled: 0, captured: p.captured, refunded: p.refunded },
    pspReference: p.transactionId,
    paymentMethod: 'WALLET',
    userFlow: p.skipLandingPage ? 'PUSH_MESSAGE' : p.isApp ? 'NATIVE_REDIRECT' : 'WEB_REDIRECT',
    ...(p.mobileNumber ? { customer: { phoneNumber: `47${p.mobileNumber}` } } : {}),
    customerInteraction: 'CUSTOMER_PRESENT',
    ...(returnUrl ? { returnUrl } : {}),
    paymentDescription: p.transactionText,
    redirectToken: p.token,
    createdAt: p.createdAt,
    expiresAt: p.expiresAt,
    createIdempotencyKey: '',
    ...(p.lastDecline ? { lastDecline: { amountValue: p.lastDecline.amount, reason: p.lastDecline.reason, message: p.lastDecline.message, at: p.lastDecline.at } } : {}),
    ecom: p,
  };
}
