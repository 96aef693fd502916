/**
 * A Checkout session as a pure state machine: create (with every documented rule), the user's
 * steps on the hosted page (details, shipping, pay), the payment's changes, expiry. No I/O and no
 * clock reads: the instant comes in as `now`. The payment itself is an ePayment payment (made
 * through platform/payment-port.ts); the session keeps only what Checkout adds around it.
 */
import { checkMerchantUrl, isAllowedReturnUrl } from '../../platform/url-policy.js';
import type { IssuedPayment } from '../../platform/payment-port.js';
import { checkoutErrors, type CheckoutError } from './errors.js';
import type { Configuration, InitiateSessionRequest, LogisticsOption, OrderSummary, PrefillCustomer, SessionState } from './schemas.js';

/** A session lives one hour (CO-G). */
export const SESSION_LIFETIME_MS = 60 * 60_000;
/** The merchant's dynamic shipping callback gets 8 s (CO-SHIP). */
export const DYNAMIC_OPTIONS_TIMEOUT_MS = 8_000;
export const MINIMUM_AMOUNT = 100;

/** Which delivery types each brand offers (CO-SPEC, CO-SHIP, CO-CL). OTHER has none and needs a title. */
export const BRAND_TYPES: Record<LogisticsOption['brand'], readonly string[]> = {
  POSTEN: ['MAILBOX', 'PICKUP_POINT', 'HOME_DELIVERY'],
  POSTNORD: ['PICKUP_POINT', 'HOME_DELIVERY'],
  PORTERBUDDY: ['HOME_DELIVERY'],
  HELTHJEM: ['HOME_DELIVERY', 'PICKUP_POINT'],
  POSTI: ['MAILBOX', 'PICKUP_POINT'],
  OTHER: [],
};

export interface Customer {
  firstName: string;
  lastName: string;
  email: string;
  phoneNumber: string;
  streetAddress?: string;
  postalCode?: string;
  city?: string;
  country?: string;
}

export interface ChosenShipping {
  methodId: string;
  amount: { value: number; currency: string };
  brand: LogisticsOption['brand'];
  type?: string;
  title: string;
}

export interface Session {
  msn: string;
  reference: string;
  sessionId: string;
  token: string;
  state: SessionState;
  createdAt: string;
  expiresAt: string;
  merchantInfo: InitiateSessionRequest['merchantInfo'];
  amount: { value: number; currency: string };
  paymentDescription: string;
  orderSummary?: OrderSummary;
  dynamicOptionsCallback?: string;
  fixedOptions: LogisticsOption[];
  prefill?: PrefillCustomer;
  configuration: {
    elements: 'Full' | 'PaymentAndContactInfo' | 'PaymentOnly';
    customerInteraction: 'CUSTOMER_PRESENT' | 'CUSTOMER_NOT_PRESENT';
    userFlow: 'WEB_REDIRECT' | 'NATIVE_REDIRECT';
    countries?: string[];
    requireUserInfo: boolean;
    customConsent?: { text: string; required: boolean };
    showOrderSummary: boolean;
  };
  customer?: Customer;
  /** The options the user was offered for the address given: the merchant's dynamic ones, or the fixed ones. */
  offered?: LogisticsOption[];
  /** Why no option could be offered (no dynamic answer and no fixed options). */
  shippingError?: string;
  shipping?: ChosenShipping;
  customConsentProvided?: boolean;
  paymentMethod?: 'Wallet' | 'Card';
  /** The payment's state as of its last change (the API reads the live payment). */
  paymentState?: IssuedPayment['state'];
  endedAt?: string;
}

export type Outcome = { ok: true; session: Session; notify: boolean } | { ok: false; error: CheckoutError };
const fail = (error: CheckoutError): Outcome => ({ ok: false, error });
const invalid = (field: string, message: string) => fail(checkoutErrors.invalid(field, message));

/** Whether the page asks for an address (and offers shipping). */
export const wantsAddress = (s: Pick<Session, 'configuration'>) => s.configuration.elements === 'Full';
export const wantsContact = (s: Pick<Session, 'configuration'>) => s.configuration.elements !== 'PaymentOnly';
export const hasLogistics = (s: Pick<Session, 'configuration' | 'fixedOptions' | 'dynamicOptionsCallback'>) =>
  wantsAddress(s) && (s.fixedOptions.length > 0 || s.dynamicOptionsCallback !== undefined);

/** Checks one shipping option; `field` is where it sits (`Logistics.FixedOptions[0]`). */
export function optionProblem(o: LogisticsOption, field: string, currency: string): CheckoutError | undefined {
  const allowed = BRAND_TYPES[o.brand];
  if (o.brand === 'OTHER') {
    if (!o.title) return checkoutErrors.invalid(`${field}.Title`, 'An option with brand OTHER needs a title.');
    if (o.type) return checkoutErrors.invalid(`${field}.Type`, 'An option with brand OTHER has no type.');
  } else if (o.type && !allowed.includes(o.type)) {
    return checkoutErrors.invalid(`${field}.Type`, `${o.brand} offers ${allowed.join(', ')}; not ${o.type}.`);
  }
  if (o.brand !== 'PORTERBUDDY' && !o.amount) return checkoutErrors.invalid(`${field}.Amount`, `The Amount field is required for ${o.brand}.`);
  if (o.amount && o.amount.currency !== currency) return checkoutErrors.invalid(`${field}.Amount.Currency`, `Shipping must be in the transaction's currency (${currency}).`);
  return undefined;
}

/** Markdown links in a consent text: `[text](url)`. */
const MARKDOWN_LINK = /\[[^\]]*\]\([^)]*\)/g;

export interface CreateInput {
  msn: string;
  body: InitiateSessionRequest;
  sessionId: string;
  token: string;
  now: Date;
}

export function create(input: CreateInput): Outcome {
  const { body, now } = input;
  const t = body.transaction;
  const m = body.merchantInfo;
  if (t.amount.currency !== 'NOK') return invalid('Transaction.Amount.Currency', 'Only NOK is supported.');
  if (t.amount.value < MINIMUM_AMOUNT) return invalid('Transaction.Amount.Value', `The amount must be at least ${MINIMUM_AMOUNT} øre (1 NOK).`);
  if (!checkMerchantUrl(m.callbackUrl).ok) return invalid('MerchantInfo.CallbackUrl', 'The callbackUrl must be an https URL (or http to localhost in the emulator).');
  if (!isAllowedReturnUrl(m.returnUrl)) return invalid('MerchantInfo.ReturnUrl', 'The returnUrl must be an https URL, an app scheme, or http to localhost.');
  if (m.termsAndConditionsUrl && !checkMerchantUrl(m.termsAndConditionsUrl).ok) return invalid('MerchantInfo.TermsAndConditionsUrl', 'The termsAndConditionsUrl must be an https URL.');
  const logistics = body.logistics ?? undefined;
  const fixed = logistics?.fixedOptions ?? [];
  const dynamic = logistics?.dynamicOptionsCallback ?? undefined;
  if (dynamic !== undefined && !checkMerchantUrl(dynamic).ok) return invalid('Logistics.DynamicOptionsCallback', 'The dynamicOptionsCallback must be an https URL (or http to localhost in the emulator).');
  const ids = new Set<string>();
  for (const [i, o] of fixed.entries()) {
    const problem = optionProblem(o, `Logistics.FixedOptions[${i}]`, t.amount.currency);
    if (problem) return fail(problem);
    if (ids.has(o.id)) return invalid(`Logistics.FixedOptions[${i}].Id`, `Option ids must be unique; ${o.id} is used twice.`);
    ids.add(o.id);
  }
  if (fixed.some((o) => o.brand === 'PORTERBUDDY') && !logistics?.integrations?.porterbuddy) {
    return invalid('Logistics.Integrations.Porterbuddy', 'Porterbuddy options need the Porterbuddy integration (publicToken, apiKey, origin).');
  }
  if (fixed.some((o) => o.brand === 'HELTHJEM') && !logistics?.integrations?.helthjem) {
    return invalid('Logistics.Integrations.Helthjem', 'Helthjem options need the Helthjem integration (username, password, shopId).');
  }
  const c: Configuration = body.configuration ?? {};
  if (c.showOrderSummary && !t.orderSummary) return invalid('Transaction.OrderSummary', 'showOrderSummary needs transaction.orderSummary.');
  if (t.orderSummary) {
    const problem = orderSummaryProblem(t.orderSummary, t.amount.currency);
    if (problem) return fail(problem);
  }
  if (c.customConsent && (c.customConsent.text.match(MARKDOWN_LINK) ?? []).length > 1) {
    return invalid('Configuration.CustomConsent.Text', 'The consent text may hold at most one Markdown link.');
  }
  const session: Session = {
    msn: input.msn,
    reference: t.reference,
    sessionId: input.sessionId,
    token: input.token,
    state: 'SessionCreated',
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + SESSION_LIFETIME_MS).toISOString(),
    merchantInfo: m,
    amount: t.amount,
    paymentDescription: t.paymentDescription,
    ...(t.orderSummary ? { orderSummary: t.orderSummary } : {}),
    ...(dynamic !== undefined ? { dynamicOptionsCallback: dynamic } : {}),
    fixedOptions: fixed,
    ...(body.prefillCustomer ? { prefill: body.prefillCustomer } : {}),
    configuration: {
      elements: c.elements ?? 'Full',
      customerInteraction: c.customerInteraction ?? 'CUSTOMER_PRESENT',
      userFlow: c.userFlow ?? 'WEB_REDIRECT',
      ...(c.countries?.supported.length ? { countries: c.countries.supported } : {}),
      requireUserInfo: c.requireUserInfo === true,
      ...(c.customConsent ? { customConsent: c.customConsent } : {}),
      showOrderSummary: c.showOrderSummary === true,
    },
  };
  return { ok: true, session, notify: false };
}

/** Each line's totals add up (total = excluding tax + tax), in the transaction's currency. */
export function orderSummaryProblem(s: OrderSummary, currency: string): CheckoutError | undefined {
  if (s.orderBottomLine.currency !== currency) return checkoutErrors.invalid('Transaction.OrderSummary.OrderBottomLine.Currency', `The order summary must be in ${currency}.`);
  for (const [i, l] of s.orderLines.entries()) {
    const at = `Transaction.OrderSummary.OrderLines[${i}]`;
    if (l.taxPercentage === undefined && l.taxRate === undefined) return checkoutErrors.invalid(`${at}.TaxPercentage`, 'The TaxPercentage field is required.');
    if (l.totalAmountExcludingTax + l.totalTaxAmount !== l.totalAmount) {
      return checkoutErrors.invalid(`${at}.TotalAmount`, `totalAmount (${l.totalAmount}) must be totalAmountExcludingTax + totalTaxAmount (${l.totalAmountExcludingTax + l.totalTaxAmount}).`);
    }
  }
  return undefined;
}

const alive = (s: Session, now: Date) => s.state === 'SessionCreated' && now.getTime() < Date.parse(s.expiresAt);

/** The user's contact details (and address, with elements Full) from the page's form. */
export function setCustomer(s: Session, customer: Customer, now: Date): Outcome {
  if (!alive(s, now)) return fail(notWaiting(s));
  if (wantsAddress(s)) {
    for (const k of ['streetAddress', 'postalCode', 'city', 'country'] as const) if (!customer[k]) return invalid(k, 'Fill in the address.');
    if (s.configuration.countries && !s.configuration.countries.includes(customer.country!)) {
      return invalid('country', `The shop delivers to ${s.configuration.countries.join(', ')} only.`);
    }
  }
  return { ok: true, session: { ...s, customer, offered: undefined, shipping: undefined, shippingError: undefined } as Session, notify: false };
}

/** The options the user is offered: the merchant's dynamic answer wins; else the fixed ones (CO-SHIP). */
export function offerShipping(s: Session, dynamic: LogisticsOption[] | undefined, now: Date): Outcome {
  if (!alive(s, now)) return fail(notWaiting(s));
  const usable = dynamic && dynamic.length > 0 ? dynamic : s.fixedOptions;
  const offered = [...usable].sort((a, b) => a.priority - b.priority);
  if (offered.length === 0) {
    return { ok: true, session: { ...strip(s, 'offered', 'shipping'), shippingError: 'No shipping option is available for this address. Contact the shop.' }, notify: false };
  }
  const chosen = offered.find((o) => o.isDefault) ?? offered[0]!;
  return { ok: true, session: { ...strip(s, 'shippingError'), offered, shipping: chosenOf(chosen) }, notify: false };
}

export function chooseShipping(s: Session, methodId: string, now: Date): Outcome {
  if (!alive(s, now)) return fail(notWaiting(s));
  const option = s.offered?.find((o) => o.id === methodId);
  if (!option) return invalid('shippingMethodId', 'Choose one of the shipping options offered.');
  return { ok: true, session: { ...s, shipping: chosenOf(option) }, notify: false };
}

/** What the user pays: the goods and the chosen shipping. */
export const totalOf = (s: Session) => ({ currency: s.amount.currency, value: s.amount.value + (s.shipping?.amount.value ?? 0) });

/** "Pay": everything the page asks for is there; the session's payment starts (PaymentInitiated). */
export function startPayment(s: Session, method: 'Wallet' | 'Card', consent: boolean, now: Date): Outcome {
  if (!alive(s, now)) return fail(notWaiting(s));
  if (wantsContact(s) && !s.customer) return invalid('customer', 'Fill in your contact details first.');
  if (hasLogistics(s) && !s.shipping) return invalid('shipping', s.shippingError ?? 'Choose a shipping option first.');
  if (s.configuration.customConsent?.required && !consent) return invalid('consent', 'The shop requires your consent to continue.');
  return {
    ok: true,
    session: { ...s, state: 'PaymentInitiated', paymentMethod: method, paymentState: 'CREATED', ...(s.configuration.customConsent ? { customConsentProvided: consent } : {}) },
    notify: false,
  };
}

/** The session's payment changed (told by the payment API in its command): end states notify the merchant. */
export function paymentChanged(s: Session, payment: IssuedPayment, now: Date): Outcome {
  // After the end (captures, refunds) or while the payment waits, the session itself does not change:
  // the API reads the live payment.
  if (s.state !== 'PaymentInitiated') return { ok: true, session: s, notify: false };
  const state: SessionState | undefined = payment.state === 'AUTHORIZED' ? 'PaymentSuccessful' : payment.state === 'CREATED' ? undefined : 'PaymentTerminated';
  if (!state) return { ok: true, session: s, notify: false };
  return { ok: true, session: { ...s, state, paymentState: payment.state, endedAt: now.toISOString() }, notify: true };
}

/** A session nobody paid within its hour. */
export function expire(s: Session, now: Date): Outcome {
  if (s.state !== 'SessionCreated' || now.getTime() < Date.parse(s.expiresAt)) return { ok: true, session: s, notify: false };
  return { ok: true, session: { ...s, state: 'SessionExpired', endedAt: now.toISOString() }, notify: true };
}

function notWaiting(s: Session): CheckoutError {
  return { status: 409, title: 'Conflict', detail: `The session is ${s.state === 'SessionCreated' ? 'SessionExpired' : s.state}: it can no longer be changed.`, errorCode: 'Session-00300' };
}

function chosenOf(o: LogisticsOption): ChosenShipping {
  return { methodId: o.id, amount: o.amount ?? { value: 0, currency: 'NOK' }, brand: o.brand, ...(o.type ? { type: o.type } : {}), title: optionTitle(o) };
}

const BRAND_NAMES: Record<LogisticsOption['brand'], string> = { POSTEN: 'Posten', POSTNORD: 'PostNord', PORTERBUDDY: 'Porterbuddy', HELTHJEM: 'Helthjem', POSTI: 'Posti', OTHER: '' };

/** Display titles (CO-SHIP): "{provider} pick-up point", "{provider} home delivery"; OTHER shows its title. */
export function optionTitle(o: LogisticsOption): string {
  if (o.brand === 'OTHER') return o.title ?? 'Delivery';
  const name = BRAND_NAMES[o.brand];
  switch (o.type) {
    case 'PICKUP_POINT': return `${name} pick-up point`;
    case 'HOME_DELIVERY': return `${name} home delivery`;
    case 'MAILBOX': return `${name} mailbox`;
    default: return o.title ?? name;
  }
}

function strip<K extends keyof Session>(s: Session, ...keys: K[]): Session {
  const copy = { ...s };
  for (const k of keys) delete copy[k];
  return copy;
}
