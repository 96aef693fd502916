/** A session as GET /checkout/v3/session/{reference} (and the notification callback) show it. */
import type { IssuedPayment } from '../../platform/payment-port.js';
import type { Session } from './domain.js';
import type { SessionResponse } from './schemas.js';

const amount = (value: number, currency: string) => ({ value, currency });

/** The payment's state in Checkout's words: CREATED, AUTHORIZED, or TERMINATED for every end without money. */
export const paymentState = (p: IssuedPayment) => (p.state === 'CREATED' || p.state === 'AUTHORIZED' ? p.state : 'TERMINATED');

/**
 * Payment, user and shipping data appear once the payment has started (PaymentInitiated and the
 * end states after it); a session that expired unpaid shows none.
 */
export function sessionView(s: Session, payment: IssuedPayment | undefined): SessionResponse {
  const started = payment !== undefined && s.state !== 'SessionCreated' && s.state !== 'SessionExpired';
  const view: SessionResponse = { sessionId: s.sessionId, merchantSerialNumber: s.msn, reference: s.reference, sessionState: s.state };
  if (!started) return view;
  const c = s.customer;
  const a = payment.aggregate;
  const currency = payment.amount.currency;
  return {
    ...view,
    ...(s.paymentMethod ? { paymentMethod: s.paymentMethod } : {}),
    paymentDetails: {
      amount: payment.amount,
      state: paymentState(payment),
      aggregate: {
        authorizedAmount: amount(a.authorized, currency),
        cancelledAmount: amount(a.cancelled, currency),
        capturedAmount: amount(a.captured, currency),
        refundedAmount: amount(a.refunded, currency),
      },
    },
    ...(payment.sub ? { userInfo: { sub: payment.sub, ...(c?.email ? { email: c.email } : {}) } } : {}),
    ...(c && s.configuration.elements === 'Full'
      ? {
          shippingDetails: {
            firstName: c.firstName,
            lastName: c.lastName,
            email: c.email,
            phoneNumber: c.phoneNumber,
            streetAddress: c.streetAddress ?? null,
            postalCode: c.postalCode ?? null,
            city: c.city ?? null,
            country: c.country ?? null,
            ...(s.shipping
              ? {
                  shippingMethodId: s.shipping.methodId,
                  amount: s.shipping.amount,
                  ...(s.shipping.type === 'PICKUP_POINT' ? { pickupPoint: pickupPointOf(s) } : {}),
                }
              : {}),
          },
        }
      : {}),
    ...(c
      ? {
          billingDetails: {
            firstName: c.firstName,
            lastName: c.lastName,
            email: c.email,
            phoneNumber: c.phoneNumber,
            streetAddress: c.streetAddress ?? null,
            postalCode: c.postalCode ?? null,
            city: c.city ?? null,
            country: c.country ?? null,
          },
        }
      : {}),
    ...(s.customConsentProvided === undefined ? {} : { customConsentProvided: s.customConsentProvided }),
  };
}

/** The pick-up point near the user's address: a fictional one (the emulator books nothing with a carrier). */
function pickupPointOf(s: Session) {
  const c = s.customer!;
  return {
    id: `devkit-${s.shipping!.methodId}`.slice(0, 64),
    name: `${s.shipping!.title} (Devkit kiosk)`,
    address: c.streetAddress ?? '',
    postalCode: c.postalCode ?? '',
    city: c.city ?? '',
    country: c.country ?? 'NO',
    openingHours: ['Mon-Fri 09-21', 'Sat 10-18'],
  };
}
