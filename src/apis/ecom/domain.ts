/**
 * The eCom v2 payment as a pure state machine: current payment + command → new payment (+ the
 * callback Vipps owes the merchant), or a typed error. No I/O, no clock reads: instants and ids
 * come in through `ctx`. Rules: reference §4 (lifecycle), §2 (responses), §5.1 (callbacks).
 */
import { createHash } from 'node:crypto';
import { isAllowedMerchantUrl } from '../../platform/url-policy.js';
import { isAllowedReturnUrl } from '../../platform/url-policy.js';
import { testAmountOutcome } from '../../platform/test-amounts.js';
import type { TestUser } from '../../platform/test-users.js';
import { ecomErrors, type EcomError } from './errors.js';

/** INITIATE waits for the user; RESERVE/SALE are approved; CANCEL, VOID and REJECTED are final. */
export type EcomState = 'INITIATE' | 'RESERVE' | 'SALE' | 'CANCEL' | 'VOID' | 'REJECTED';
export type Operation = 'INITIATE' | 'RESERVE' | 'SALE' | 'CAPTURE' | 'REFUND' | 'CANCEL' | 'VOID';
export type PaymentType = 'eComm Regular Payment' | 'eComm Express Payment';

export interface LogEntry {
  operation: Operation;
  amount: number;
  transactionText: string;
  transactionId: string;
  timeStamp: string;
  /** The merchant's X-Request-Id ('' when none). */
  requestId: string;
  operationSuccess: boolean;
}

export interface ShippingOption {
  isDefault: 'Y' | 'N';
  priority?: number;
  /** NOK, not øre (the documented exception). */
  shippingCost: number;
  shippingMethod: string;
  shippingMethodId: string;
}

export interface ShippingAddress {
  addressLine1: string;
  addressLine2?: string;
  city: string;
  postCode: string;
}

export interface ChosenShipping extends ShippingAddress {
  shippingCost: number;
  shippingMethod: string;
  shippingMethodId: string;
}

export interface EcomUserDetails {
  email: string;
  firstName: string;
  lastName: string;
  /** 8 digits, not MSISDN. */
  mobileNumber: string;
  userId: string;
}

export interface EcomPayment {
  msn: string;
  orderId: string;
  state: EcomState;
  /** Ordered amount in øre (express: without shipping). */
  amount: number;
  transactionText: string;
  paymentType: PaymentType;
  callbackPrefix: string;
  fallBack: string;
  authToken?: string;
  isApp: boolean;
  shippingDetailsPrefix?: string;
  consentRemovalPrefix?: string;
  staticShippingDetails?: ShippingOption[];
  useExplicitCheckoutFlow: boolean;
  /** 8 digits, as given (repaired) in customerInfo. */
  mobileNumber?: string;
  skipLandingPage: boolean;
  scope?: string;
  /** The token in the landing-page / deeplink URL; force approve checks it. */
  token: string;
  /** INITIATE and RESERVE/SALE share this transactionId. */
  transactionId: string;
  createdAt: string;
  /** When an INITIATE payment times out (5 min; up to 10 min once sent to the app). */
  expiresAt: string;
  /** When the request was sent to a user's app (the second 5-minute window starts). */
  sentToAppAt?: string;
  reservedAt?: string;
  /** Reserved amount: amount + shipping cost for express. */
  reserved: number;
  captured: number;
  refunded: number;
  /** Cancel with shouldReleaseRemainingFunds after a partial capture. */
  released: boolean;
  /** Oldest first; /details shows it newest first. */
  log: LogEntry[];
  shipping?: ChosenShipping;
  userDetails?: EcomUserDetails;
  /** The approving user's OIDC sub (scope payments). */
  sub?: string;
  /** MSISDN of the user who acted in the app. */
  userPhoneNumber?: string;
  /** The last failed approval (test amount): the payment stays INITIATE. */
  lastDecline?: { amount: number; reason: string; message: string; at: string };
  /**
   * Express: the shipping methods the merchant's shipping-details endpoint offered while the user
   * chooses (sorted by priority). Kept in the payment so that any instance can finish the choice;
   * dropped once the payment leaves INITIATE.
   */
  offeredShipping?: ShippingOption[];
}

export interface Context {
  now: Date;
  newTransactionId: () => string;
}

/** What initiate hands the domain: the payment's own fields as the merchant gave them. */
export type InitiateInput = Pick<
  EcomPayment,
  | 'msn' | 'orderId' | 'amount' | 'transactionText' | 'paymentType' | 'callbackPrefix' | 'fallBack' | 'authToken' | 'isApp'
  | 'shippingDetailsPrefix' | 'consentRemovalPrefix' | 'staticShippingDetails' | 'useExplicitCheckoutFlow' | 'mobileNumber'
  | 'skipLandingPage' | 'scope' | 'token'
> & { merchant: { allowSkipLandingPage: boolean } };

export type Command =
  | { type: 'approve'; user: EcomUserDetails & { phoneNumber: string; sub: string }; directCapture: boolean; shipping?: ChosenShipping; testAmounts?: boolean }
  /** The user rejects in the app. */
  | { type: 'reject'; phoneNumber?: string }
  /** The user cancels on the landing page, or the payment times out. */
  | { type: 'abandon'; reason: 'landing' | 'timeout' }
  /** The request reached a user's app: the user gets another 5 minutes (10 at most in all). */
  | { type: 'sentToApp' }
  /** Express: the merchant answered the shipping-details call; the first answer stays while the user chooses. */
  | { type: 'offerShipping'; options: ShippingOption[] }
  | { type: 'capture'; amount: number | null; transactionText: string; requestId: string }
  | { type: 'cancel'; transactionText: string; releaseRemaining: boolean; requestId: string }
  /** `amount` undefined: the whole captured amount not yet refunded (docs/decisions.md, Official clients). */
  | { type: 'refund'; amount: number | undefined; transactionText: string; requestId: string };

export interface CallbackBody {
  merchantSerialNumber: string;
  orderId: string;
  transactionInfo: { amount: number; status: string; timeStamp: string; transactionId?: string };
  shippingDetails?: {
    /** `zipCode` as documented for callbacks, and `postCode`, which the spec's AddressExpress requires (decision 81). */
    address: { addressLine1: string; addressLine2?: string; city: string; country: string; zipCode: string; postCode: string };
    shippingCost: number;
    shippingMethod: string;
    shippingMethodId: string;
  };
  userDetails?: EcomUserDetails;
  errorInfo?: { errorCode: string; errorGroup: string; errorMessage: string };
}

export type Outcome =
  | { ok: true; payment: EcomPayment; callback?: CallbackBody; declined?: { reason: string; message: string } }
  | { ok: false; error: EcomError };

export const LANDING_WINDOW_MS = 5 * 60_000;
export const MAX_WINDOW_MS = 10 * 60_000;
const DAY = 86_400_000;
export const CAPTURE_WINDOW_MS = 180 * DAY;
export const CANCEL_WINDOW_MS = 180 * DAY;
export const REFUND_WINDOW_MS = 365 * DAY;

export const isExpress = (p: Pick<EcomPayment, 'paymentType'>) => p.paymentType === 'eComm Express Payment';
/** Shipping cost is in NOK (a decimal); the reserved amount is in øre. */
export const shippingOre = (cost: number) => Math.round(cost * 100);

export function initiate(input: InitiateInput, ctx: Context): Outcome {
  const express = input.paymentType === 'eComm Express Payment';
  if (express && !input.consentRemovalPrefix) return fail(ecomErrors.invalidField('merchantInfo.consentRemovalPrefix', 'consentRemovalPrefix is required for express payments (eComm Express Payment).'));
  if (express && !input.shippingDetailsPrefix && !input.staticShippingDetails?.length) {
    return fail(ecomErrors.invalidField('merchantInfo.shippingDetailsPrefix', 'Express payments need shippingDetailsPrefix or staticShippingDetails.'));
  }
  if (input.skipLandingPage && !input.merchant.allowSkipLandingPage) return fail(ecomErrors.skipLandingPageNotAllowed());
  if (input.skipLandingPage && !input.mobileNumber) return fail(ecomErrors.invalidField('customerInfo.mobileNumber', 'mobileNumber is required with skipLandingPage.'));
  const now = ctx.now.toISOString();
  const transactionId = ctx.newTransactionId();
  const payment: EcomPayment = {
    msn: input.msn,
    orderId: input.orderId,
    state: 'INITIATE',
    amount: input.amount,
    transactionText: input.transactionText,
    paymentType: input.paymentType,
    callbackPrefix: input.callbackPrefix,
    fallBack: input.fallBack,
    ...(input.authToken === undefined ? {} : { authToken: input.authToken }),
    isApp: input.isApp,
    ...(input.shippingDetailsPrefix === undefined ? {} : { shippingDetailsPrefix: input.shippingDetailsPrefix }),
    ...(input.consentRemovalPrefix === undefined ? {} : { consentRemovalPrefix: input.consentRemovalPrefix }),
    ...(input.staticShippingDetails?.length ? { staticShippingDetails: input.staticShippingDetails } : {}),
    useExplicitCheckoutFlow: input.useExplicitCheckoutFlow,
    ...(input.mobileNumber === undefined ? {} : { mobileNumber: input.mobileNumber }),
    skipLandingPage: input.skipLandingPage,
    ...(input.scope === undefined ? {} : { scope: input.scope }),
    token: input.token,
    transactionId,
    createdAt: now,
    expiresAt: new Date(ctx.now.getTime() + LANDING_WINDOW_MS).toISOString(),
    reserved: 0,
    captured: 0,
    refunded: 0,
    released: false,
    log: [entry('INITIATE', input.amount, input.transactionText, transactionId, now, '', true)],
  };
  return { ok: true, payment };
}

export function decide(p: EcomPayment, command: Command, ctx: Context): Outcome {
  const outcome = decideCommand(p, command, ctx);
  // Shipping options are only needed while the user may still choose.
  if (outcome.ok && outcome.payment.state !== 'INITIATE' && outcome.payment.offeredShipping) {
    const { offeredShipping: _dropped, ...payment } = outcome.payment;
    void _dropped;
    return { ...outcome, payment };
  }
  return outcome;
}

function decideCommand(p: EcomPayment, command: Command, ctx: Context): Outcome {
  const now = ctx.now.toISOString();
  switch (command.type) {
    case 'offerShipping': {
      if (p.state !== 'INITIATE') return fail(ecomErrors.notAllowed(`The payment is ${p.state}; it no longer waits for a shipping choice.`));
      if (p.offeredShipping) return { ok: true, payment: p };
      return { ok: true, payment: { ...p, offeredShipping: sortShippingOptions(command.options) } };
    }
    case 'sentToApp': {
      if (p.state !== 'INITIATE') return fail(ecomErrors.notAllowed(`The payment is ${p.state}; it no longer waits for the user.`));
      const until = Math.min(ctx.now.getTime() + LANDING_WINDOW_MS, Date.parse(p.createdAt) + MAX_WINDOW_MS);
      return { ok: true, payment: { ...p, sentToAppAt: now, expiresAt: new Date(Math.max(until, Date.parse(p.expiresAt))).toISOString() } };
    }
    case 'approve': {
      if (p.state !== 'INITIATE') return fail(ecomErrors.notAllowed(`The payment is ${p.state}; only an initiated payment can be approved.`));
      if (isExpress(p) && !command.shipping) return fail(ecomErrors.invalidField('shipping', 'An express payment needs a shipping method and address.'));
      const total = p.amount + (command.shipping ? shippingOre(command.shipping.shippingCost) : 0);
      const operation: Operation = command.directCapture ? 'SALE' : 'RESERVE';
      const declined = command.testAmounts ? testAmountOutcome(p.amount) : undefined;
      if (declined) {
        // The card fails in the app (decision 80): logged as unsuccessful, the user may try again.
        return {
          ok: true,
          payment: {
            ...p,
            log: [...p.log, entry(operation, total, p.transactionText, p.transactionId, now, '', false)],
            lastDecline: { amount: p.amount, reason: declined.reason, message: declined.message, at: now },
          },
          declined: { reason: declined.reason, message: declined.message },
        };
      }
      const { lastDecline: _drop, ...rest } = p;
      void _drop;
      const keepsUser = isExpress(p) || p.scope !== undefined;
      const payment: EcomPayment = {
        ...rest,
        state: operation,
        reservedAt: now,
        reserved: total,
        captured: command.directCapture ? total : 0,
        userPhoneNumber: command.user.phoneNumber,
        ...(command.shipping ? { shipping: command.shipping } : {}),
        ...(keepsUser ? { userDetails: pickUser(command.user) } : {}),
        ...(p.scope !== undefined ? { sub: command.user.sub } : {}),
        log: [...p.log, entry(operation, total, p.transactionText, p.transactionId, now, '', true)],
      };
      const status = command.directCapture ? 'SALE' : isExpress(p) ? 'RESERVE' : 'RESERVED';
      const callback: CallbackBody = {
        merchantSerialNumber: p.msn,
        orderId: p.orderId,
        transactionInfo: { amount: total, status, timeStamp: now, transactionId: p.transactionId },
      };
      if (isExpress(p) && command.shipping) {
        const s = command.shipping;
        callback.shippingDetails = {
          address: { addressLine1: s.addressLine1, ...(s.addressLine2 ? { addressLine2: s.addressLine2 } : {}), city: s.city, country: 'Norway', zipCode: s.postCode, postCode: s.postCode },
          shippingCost: s.shippingCost,
          shippingMethod: s.shippingMethod,
          shippingMethodId: s.shippingMethodId,
        };
        callback.userDetails = pickUser(command.user);
      }
      return { ok: true, payment, callback };
    }
    case 'reject': {
      if (p.state !== 'INITIATE') return fail(ecomErrors.notAllowed(`The payment is ${p.state}; only an initiated payment can be rejected.`));
      const payment: EcomPayment = {
        ...p,
        state: 'CANCEL',
        ...(command.phoneNumber ? { userPhoneNumber: command.phoneNumber } : {}),
        log: [...p.log, entry('CANCEL', p.amount, p.transactionText, p.transactionId, now, '', true)],
      };
      return { ok: true, payment, callback: { merchantSerialNumber: p.msn, orderId: p.orderId, transactionInfo: { amount: p.amount, status: 'CANCELLED', timeStamp: now, transactionId: p.transactionId } } };
    }
    case 'abandon': {
      if (p.state !== 'INITIATE') return fail(ecomErrors.notAllowed(`The payment is ${p.state}.`));
      // No log entry: MT shows none after a timeout or a landing-page cancel (reference §9.3).
      const landing = command.reason === 'landing';
      return {
        ok: true,
        payment: { ...p, state: 'REJECTED' },
        callback: {
          merchantSerialNumber: p.msn,
          orderId: p.orderId,
          transactionInfo: { amount: p.amount, status: 'REJECTED', timeStamp: now, ...(landing ? {} : { transactionId: p.transactionId }) },
          errorInfo: { errorCode: '45', errorGroup: 'PAYMENTS', errorMessage: landing ? 'User has not acted upon the payment' : 'User has cancelled or not acted upon the payment' },
        },
      };
    }
    case 'capture':
      return capture(p, command, ctx);
    case 'cancel':
      return cancel(p, command, ctx);
    case 'refund':
      return refund(p, command, ctx);
  }
}

function capture(p: EcomPayment, c: Extract<Command, { type: 'capture' }>, ctx: Context): Outcome {
  if (p.state === 'INITIATE') return fail(ecomErrors.notReserved());
  if (p.state === 'CANCEL' || p.state === 'VOID' || p.state === 'REJECTED' || p.released) return fail(ecomErrors.notAllowed('The payment is cancelled: it cannot be captured.'));
  if (ctx.now.getTime() - Date.parse(p.reservedAt!) > CAPTURE_WINDOW_MS) return fail(ecomErrors.captureTooLate());
  const remaining = remainingToCapture(p);
  const amount = c.amount === null || c.amount === 0 ? remaining : c.amount;
  if (amount > remaining || amount <= 0) return fail(ecomErrors.captureTooHigh(amount, remaining));
  const now = ctx.now.toISOString();
  const payment: EcomPayment = { ...p, captured: p.captured + amount, log: [...p.log, entry('CAPTURE', amount, c.transactionText, ctx.newTransactionId(), now, c.requestId, true)] };
  return { ok: true, payment };
}

function cancel(p: EcomPayment, c: Extract<Command, { type: 'cancel' }>, ctx: Context): Outcome {
  const now = ctx.now.toISOString();
  if (p.state === 'CANCEL' || p.state === 'VOID' || p.state === 'REJECTED' || p.released) return fail(ecomErrors.alreadyProcessed('The payment is already cancelled.'));
  if (p.state === 'INITIATE') {
    return { ok: true, payment: { ...p, state: 'CANCEL', log: [...p.log, entry('CANCEL', p.amount, c.transactionText, ctx.newTransactionId(), now, c.requestId, true)] } };
  }
  if (ctx.now.getTime() - Date.parse(p.reservedAt!) > CANCEL_WINDOW_MS) return fail(ecomErrors.cancelTooLate());
  if (p.captured === 0) {
    return { ok: true, payment: { ...p, state: 'VOID', log: [...p.log, entry('VOID', p.reserved, c.transactionText, ctx.newTransactionId(), now, c.requestId, true)] } };
  }
  const remaining = remainingToCapture(p);
  if (remaining === 0 || !c.releaseRemaining) return fail(ecomErrors.cannotCancelCaptured());
  // The release of the rest after a partial capture is logged as a VOID of that rest (decision 79).
  return { ok: true, payment: { ...p, released: true, log: [...p.log, entry('VOID', remaining, c.transactionText, ctx.newTransactionId(), now, c.requestId, true)] } };
}

function refund(p: EcomPayment, c: Extract<Command, { type: 'refund' }>, ctx: Context): Outcome {
  if (p.state === 'CANCEL' || p.state === 'VOID' || p.state === 'REJECTED') return fail(ecomErrors.refundCancelled());
  if (p.state === 'INITIATE' || p.captured === 0) return fail(ecomErrors.refundReservedOnly());
  if (ctx.now.getTime() - Date.parse(p.reservedAt!) > REFUND_WINDOW_MS) return fail(ecomErrors.refundTooLate());
  const left = p.captured - p.refunded;
  if (c.amount === undefined && left === 0) return fail(ecomErrors.alreadyProcessed('The captured amount has been refunded in full.'));
  const amount = c.amount ?? left;
  if (amount <= 0 || amount > left) return fail(ecomErrors.refundTooHigh(amount, left));
  const now = ctx.now.toISOString();
  return { ok: true, payment: { ...p, refunded: p.refunded + amount, log: [...p.log, entry('REFUND', amount, c.transactionText, ctx.newTransactionId(), now, c.requestId, true)] } };
}

export function remainingToCapture(p: EcomPayment): number {
  if (p.state !== 'RESERVE' && p.state !== 'SALE') return 0;
  if (p.released) return 0;
  return p.reserved - p.captured;
}

/** transactionSummary (§4.2): absent while the user has not acted and nothing else happened. */
export function summary(p: EcomPayment): { capturedAmount: number; remainingAmountToCapture: number; refundedAmount: number; remainingAmountToRefund: number } | undefined {
  if (p.log.length <= 1) return undefined;
  return { capturedAmount: p.captured, remainingAmountToCapture: remainingToCapture(p), refundedAmount: p.refunded, remainingAmountToRefund: p.captured - p.refunded };
}

/** The deprecated /status endpoint's status (§2.6). */
export function legacyStatus(p: EcomPayment): string {
  switch (p.state) {
    case 'RESERVE':
    case 'SALE':
      if (p.refunded > 0) return 'REFUND';
      if (p.state === 'RESERVE' && p.captured > 0) return 'CAPTURE';
      return p.state;
    default:
      return p.state;
  }
}

export function isOverdue(p: EcomPayment, now: Date): boolean {
  return p.state === 'INITIATE' && now.getTime() >= Date.parse(p.expiresAt);
}

function pickUser(u: EcomUserDetails): EcomUserDetails {
  return { email: u.email, firstName: u.firstName, lastName: u.lastName, mobileNumber: u.mobileNumber, userId: u.userId };
}

function entry(operation: Operation, amount: number, transactionText: string, transactionId: string, timeStamp: string, requestId: string, operationSuccess: boolean): LogEntry {
  return { operation, amount, transactionText, transactionId, timeStamp, requestId, operationSuccess };
}

const fail = (error: EcomError): Outcome => ({ ok: false, error });

// ---------------------------------------------------------------- rules of the requests (before a payment is loaded)

/** The fixed prefix of our landing-page tokens: base64url of a JWT header, like MT's `eyJraWQiOiJqd3RrZXki...`. */
const TOKEN_HEADER = Buffer.from('{"kid":"jwtkey","alg":"RS256"}').toString('base64url');

/** A landing-page token from random base64url characters: shaped like MT's JWT-like token (decision 82). */
export const landingToken = (random: string): string => `${TOKEN_HEADER}${random}`;

/** Where the user goes to pay: the app's scheme for isApp, else MT's deeplink path (which redirects to the landing page). */
export function landingUrl(p: Pick<EcomPayment, 'token' | 'isApp'>, publicUrl: string): string {
  if (p.isApp) return `vippsMT://?token=${p.token}`;
  return `${publicUrl}/dwo-api-application/v1/deeplink/vippsgateway?v=2&token=${p.token}`;
}

/** The body and header MSN must both be the keys' sales unit (decision 78). */
export function checkMsn(given: string, msn: string): EcomError | undefined {
  return given === msn ? undefined : ecomErrors.invalidMsn(given);
}

/** An 8-digit Norwegian number from what merchants send (+47, 0047, spaces): the documented repair. */
export function repairMobileNumber(raw: string): string | undefined {
  let digits = raw.replace(/[\s-]/g, '');
  if (digits.startsWith('+47')) digits = digits.slice(3);
  else if (digits.startsWith('0047')) digits = digits.slice(4);
  else if (digits.length === 10 && digits.startsWith('47')) digits = digits.slice(2);
  return /^\d{8}$/.test(digits) ? digits : undefined;
}

/** What initiate checks before anything is loaded, as the request gives it. */
export interface InitiateRequestRules {
  merchantInfo: { merchantSerialNumber: string; callbackPrefix: string; fallBack: string; isApp?: boolean | undefined; shippingDetailsPrefix?: string | undefined; consentRemovalPrefix?: string | undefined };
  customerInfo: { mobileNumber?: string | undefined };
}

/**
 * The initiate request's own rules, in the order MT reports them: the MSN, the URLs, the mobile
 * number (repaired to 8 digits). The rest (express, skipLandingPage) is `initiate`'s, after the
 * user and the orderId are looked up.
 */
export function checkInitiateRequest(body: InitiateRequestRules, msn: string): { ok: true; mobileNumber?: string } | { ok: false; error: EcomError } {
  const m = body.merchantInfo;
  const refuse = (error: EcomError) => ({ ok: false as const, error });
  const wrongMsn = checkMsn(m.merchantSerialNumber, msn);
  if (wrongMsn) return refuse(wrongMsn);
  if (!isValidCallbackUrl(m.callbackPrefix)) return refuse(ecomErrors.invalidField('merchantInfo.callbackPrefix', 'callbackPrefix must be a valid HTTPS URL (http://localhost and http://127.0.0.1 are accepted by the emulator).'));
  if (m.isApp !== true && !isValidFallBack(m.fallBack)) return refuse(ecomErrors.invalidField('merchantInfo.fallBack', 'fallBack must be a valid HTTPS URL or a custom URL scheme (http://localhost and http://127.0.0.1 are accepted by the emulator).'));
  for (const key of ['shippingDetailsPrefix', 'consentRemovalPrefix'] as const) {
    const url = m[key];
    if (url !== undefined && !isValidCallbackUrl(url)) return refuse(ecomErrors.invalidField(`merchantInfo.${key}`, `${key} must be a valid HTTPS URL.`));
  }
  const raw = body.customerInfo.mobileNumber;
  if (raw === undefined || raw === '') return { ok: true };
  const mobileNumber = repairMobileNumber(raw);
  return mobileNumber ? { ok: true, mobileNumber } : refuse(ecomErrors.unknownUser());
}

/**
 * A refund's amount, when it names one, is at least 100 øre (checked before the order is looked up).
 * Without one (left out or null) it refunds what is left of the captured amount: the spec is silent
 * and Vipps' own Postman collection refunds that way (docs/decisions.md, Official clients).
 */
export function checkRefundAmount(amount: number | null | undefined): EcomError | undefined {
  if (amount === undefined || amount === null) return undefined;
  if (amount < 100) return ecomErrors.invalidField('transaction.amount', 'A refund needs an amount of at least 100 (øre).');
  return undefined;
}

/** MT's force approve works for regular payments with a landing page, and only with the payment's own token (decision 85). */
export function checkForceApprove(p: EcomPayment, token: string | undefined): EcomError | undefined {
  if (isExpress(p)) return ecomErrors.forceApproveNotSupported('force approve does not support express payments.');
  if (p.skipLandingPage) return ecomErrors.forceApproveNotSupported('force approve does not support skipLandingPage.');
  if (token !== undefined && token !== p.token) return ecomErrors.invalidField('token', 'The token does not belong to this payment.');
  return undefined;
}

// ---------------------------------------------------------------- the user towards a merchant

/** The user's stable id towards one merchant: base64 like the documented `uiJskNQ6qNN1iwN891uuob==`. */
export function userIdFor(msn: string, sub: string): string {
  return createHash('sha256').update(`${msn}:${sub}`).digest().subarray(0, 16).toString('base64');
}

/** `sub`: the user's sub for this sales unit (src/platform/consents.ts). */
export function userDetailsOf(msn: string, user: TestUser, sub: string): EcomUserDetails & { phoneNumber: string; sub: string } {
  return {
    email: user.email,
    firstName: user.givenName,
    lastName: user.familyName,
    mobileNumber: user.phoneNumber.slice(-8),
    userId: userIdFor(msn, user.sub),
    phoneNumber: user.phoneNumber,
    sub,
  };
}

/** The user's address as Vipps sends it to the shipping-details endpoint (addressId ≥ 100). */
export function addressOf(user: TestUser) {
  const addressId = 100 + (parseInt(createHash('sha256').update(user.sub).digest('hex').slice(0, 6), 16) % 900_000);
  return { addressId, addressLine1: user.address.streetAddress, city: user.address.city, postCode: user.address.postalCode };
}

// ---------------------------------------------------------------- express: shipping

export const sortShippingOptions = (options: readonly ShippingOption[]): ShippingOption[] => [...options].sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));

/** The options the app shows without calling the merchant: static ones, or those already offered. */
export function knownShippingOptions(p: EcomPayment): ShippingOption[] | undefined {
  if (p.staticShippingDetails?.length) return sortShippingOptions(p.staticShippingDetails);
  return p.offeredShipping;
}

/** What the app shows when the shipping-details call failed (FAQ): a timeout finds no methods, anything else fails the payment. */
export function shippingFailure(error: string): string {
  return error.startsWith('timeout') ? `No shipping methods found (${error})` : `Payment failed (${error})`;
}

/** The user's choice (the default method when none is named), priced from what was offered, to the user's address. */
export function chooseShipping(options: readonly ShippingOption[], shippingMethodId: string | undefined, address: ShippingAddress): ChosenShipping | { error: string } {
  const option = options.find((o) => o.shippingMethodId === shippingMethodId) ?? (shippingMethodId ? undefined : options.find((o) => o.isDefault === 'Y'));
  if (!option) return { error: 'Choose a shipping method.' };
  return { addressLine1: address.addressLine1, city: address.city, postCode: address.postCode, shippingCost: option.shippingCost, shippingMethod: option.shippingMethod, shippingMethodId: option.shippingMethodId };
}

// ---------------------------------------------------------------- URLs (decision 77), moved here as they were

/** The platform's URL policy: HTTPS, or http to this machine (decision 77). */
export function isValidCallbackUrl(url: string): boolean {
  return isAllowedMerchantUrl(url);
}

export function isValidFallBack(url: string): boolean {
  // INTENT: Android's special value; the rest as every return URL (https, http on loopback, an app's scheme).
  return url === 'INTENT' || isAllowedReturnUrl(url);
}

