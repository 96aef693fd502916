/**
 * eCom v2 on the user side: its payments as the pages' neutral view (the same landing page and
 * simulated app as ePayment's), and the user's actions on them — approve with a shipping choice
 * (express), reject, cancel on the landing page, the app's second five minutes, remove consent —
 * through the user inbox's provider interface (src/platform/user-inbox.ts).
 */
import type { TestUser } from '../../platform/test-users.js';
import type { InboxKey, PaymentRequestProvider, PaymentRequestView, RequestState, UserActionResult } from '../../platform/user-inbox.js';
import type { DatabaseHandle } from '../../db/open.js';
import { isExpress, type EcomPayment } from './domain.js';
import type { EcomService } from './service.js';
import { ecomStore } from './store.js';

export const ECOM_INBOX = 'ecom';

/**
 * eCom payments share the inbox with ePayment (decision 82): their key is `ecom/<orderId>`, which
 * no ePayment reference can be ('/' is not allowed in one).
 */
export const ECOM_INBOX_PREFIX = 'ecom/';
export const ecomInboxKey = (p: Pick<EcomPayment, 'msn' | 'orderId'>): InboxKey => ({ msn: p.msn, key: `${ECOM_INBOX_PREFIX}${p.orderId}` });

function viewState(p: EcomPayment): RequestState {
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

export function ecomRequestView(p: EcomPayment): PaymentRequestView {
  // After the user acts the browser goes to fallBack (not with skipLandingPage: the app keeps it).
  const returnUrl = p.skipLandingPage ? undefined : browserFallBack(p);
  return {
    api: ECOM_INBOX,
    key: ecomInboxKey(p).key,
    msn: p.msn,
    reference: p.orderId,
    state: viewState(p),
    amount: { currency: 'NOK', value: p.reserved || p.amount },
    description: p.transactionText,
    expiresAt: p.expiresAt,
    token: p.token,
    ...(returnUrl ? { returnUrl } : {}),
    flow: p.skipLandingPage ? 'PUSH_MESSAGE' : p.isApp ? 'NATIVE_REDIRECT' : 'WEB_REDIRECT',
    ...(p.mobileNumber ? { customerPhoneNumber: `47${p.mobileNumber}` } : {}),
    ...(p.lastDecline ? { lastDecline: { reason: p.lastDecline.reason, message: p.lastDecline.message } } : {}),
    ...(isExpress(p) ? { shipping: true as const } : {}),
    // Express and scope payments keep the user's details for the merchant: a consent the user may remove.
    ...(p.userPhoneNumber ? { consent: { phoneNumber: p.userPhoneNumber, removable: Boolean(p.userDetails && p.consentRemovalPrefix) } } : {}),
  };
}

const refused = (status: number, message: string): UserActionResult => ({ ok: false, status, message });

/** The provider eCom registers with the inbox. */
export function ecomRequests(ecom: EcomService, database: DatabaseHandle): PaymentRequestProvider {
  /** The payment behind a view, as it is now (timed out first if its time is up). */
  const payment = async (request: PaymentRequestView): Promise<EcomPayment | undefined> => (await ecom.byOrderId(request.reference, request.msn))[0];
  const missing = (request: PaymentRequestView) => refused(404, `No eCom payment has the orderId ${request.reference}.`);

  return {
    name: ECOM_INBOX,
    keyPrefix: ECOM_INBOX_PREFIX,

    async byToken(token) {
      const p = await ecom.byToken(token);
      return p && ecomRequestView(p);
    },

    async load(keys) {
      const stored = await ecomStore.loadMany(database.db, keys.map((k) => ({ msn: k.msn, orderId: k.key.slice(ECOM_INBOX_PREFIX.length) })));
      return stored.map((s) => ecomRequestView(s.payment));
    },

    async decide(request, decision, user, form) {
      const p = await payment(request);
      if (!p) return missing(request);
      let shipping;
      if (decision === 'approve' && isExpress(p)) {
        const chosen = await ecom.chosenShipping(p, user, form.shippingMethodId);
        if ('error' in chosen) return refused(400, chosen.error);
        shipping = chosen;
      }
      const r = await ecom.userDecision(p.msn, p.orderId, decision, user.phoneNumber, shipping);
      if (r.error) return refused(r.status, r.status === 402 ? `Payment failed: ${r.error.message}` : r.error.message);
      return { ok: true };
    },

    async cancel(request) {
      const r = await ecom.cancelByUser(request.msn, request.reference);
      return r.error ? refused(r.status, r.error.message) : { ok: true };
    },

    async sentToApp(trx, request) {
      // Once the request is in the app, the user has another 5 minutes (10 at most).
      await ecom.sentToApp(trx, request.msn, request.reference);
    },

    async shippingOptions(request, user: TestUser) {
      const p = await payment(request);
      if (!p) return { ok: false, message: 'No shipping methods found' };
      const offered = await ecom.shippingOptions(p, user);
      if (!offered.ok) return offered;
      return {
        ok: true,
        options: offered.options.map((o) => ({
          id: o.shippingMethodId,
          name: o.shippingMethod,
          // shippingCost is in kroner (the documented exception): the view's amounts are in øre.
          price: { currency: 'NOK', value: Math.round(o.shippingCost * 100) },
          isDefault: o.isDefault === 'Y',
        })),
      };
    },

    async removeConsent(request, user) {
      const p = await payment(request);
      if (!p || p.userPhoneNumber !== user.phoneNumber) return { ok: false, message: `${request.reference} is not an express payment of this user.` };
      return ecom.removeConsent(p);
    },
  };
}
