/**
 * The ePayment payment as a pure state machine: current state + command → new state + events, or
 * a problem. No I/O and no clock reads; every instant and id comes in through `ctx`.
 */
import type { Static } from '@sinclair/typebox';
import { isAllowedReturnUrl } from '../../platform/url-policy.js';
import type { Problem } from '../../platform/problems.js';
import { testAmountOutcome } from '../../platform/test-amounts.js';
import { errors } from './errors.js';
import type * as S from './schemas.js';

// The API's vocabulary is its schemas' (src/apis/epayment/schemas.ts); the domain adds its own state.
export type Currency = Static<typeof S.Currency>;
export type State = Static<typeof S.State>;
export type EventName = Static<typeof S.EventName>;
export type UserFlow = Static<typeof S.UserFlow>;
export type Amount = Static<typeof S.Amount>;

/** Sums in minor units; always in the payment's currency. */
export interface Aggregate {
  authorized: number;
  cancelled: number;
  captured: number;
  refunded: number;
}

export interface Payment {
  msn: string;
  reference: string;
  state: State;
  amount: Amount;
  aggregate: Aggregate;
  pspReference: string;
  paymentMethod: 'WALLET' | 'CARD';
  userFlow: UserFlow;
  customer?: { phoneNumber?: string; personalQr?: string; customerToken?: string };
  customerInteraction: 'CUSTOMER_PRESENT' | 'CUSTOMER_NOT_PRESENT';
  returnUrl?: string;
  paymentDescription?: string;
  profileScope?: string;
  metadata?: Record<string, string> | null;
  receiptUrl?: string | null;
  /** Token in the landing-page/QR link; also accepted by force approve. */
  redirectToken: string;
  redirectUrl?: string;
  createdAt: string;
  expiresAt: string;
  authorizedAt?: string;
  /** Set when the payment was authorized with a profile scope. */
  sub?: string;
  /** The phone number of the user who approved or rejected. */
  userPhoneNumber?: string;
  /** Idempotency key of the create request; the CREATED and AUTHORIZED events carry it. */
  createIdempotencyKey: string;
  /** QR flow: the image format asked for at create (IMAGE/SVG+XML when not given). */
  qrFormat?: { format: string; size?: number | null };
  /** The last failed approval attempt in the app (test amounts); the payment stays CREATED. */
  lastDecline?: Decline;
  /** The payer must be at least this old (whole years): a younger user cannot approve. */
  minimumUserAge?: number;
  /** The module that had the payment made on its behalf (platform/payment-port.ts), e.g. checkout. */
  owner?: string;
}

/** A failed approval attempt: a test amount's documented card failure. */
export interface Decline {
  amountValue: number;
  reason: string;
  message: string;
  phoneNumber?: string;
  at: string;
}

/** One entry of the payment's event log, as GET .../events shows it. */
export type PaymentEvent = Static<typeof S.PaymentEventSchema>;

export interface Context {
  now: Date;
  /** New event-level pspReference. */
  newPspReference: () => string;
}

/** What the create endpoint hands the domain after schema validation and merchant checks. */
export interface CreateInput {
  msn: string;
  reference: string;
  amount: Amount;
  paymentMethod: 'WALLET' | 'CARD';
  userFlow: UserFlow;
  customer?: Payment['customer'];
  customerInteraction?: Payment['customerInteraction'];
  returnUrl?: string;
  paymentDescription?: string;
  profileScope?: string;
  metadata?: Record<string, string> | null;
  receiptUrl?: string | null;
  hasReceipt: boolean;
  expiresAt?: string | null;
  qrFormat?: { format: string; size?: number | null } | null;
  minimumUserAge?: number | null;
  /** Age of the test user behind customer.phoneNumber (given when minimumUserAge is). */
  customerAge?: number;
  idempotencyKey: string;
  pspReference: string;
  redirectToken: string;
  owner?: string;
  merchant: { country: string; allowSkipLandingPage: boolean; allowLongLiving: boolean };
}

export type Command =
  /** `testAmounts`: the user approves in the app, where the test environment's special amounts fail. */
  | { type: 'approve'; phoneNumber?: string; sub?: string; testAmounts?: boolean; userAge?: number }
  | { type: 'reject'; phoneNumber?: string }
  /** A card payment failed on the owner's page (declined, 3-D Secure denied): logged, the payment waits. */
  | { type: 'decline'; reason: string; message: string }
  | { type: 'expire' }
  | { type: 'cancel'; idempotencyKey: string; cancelTransactionOnly?: boolean }
  | { type: 'capture'; amount: Amount; idempotencyKey: string }
  | { type: 'refund'; amount: Amount; idempotencyKey: string };

/** `declined`: the approval attempt failed (a test amount); its `success: false` event is in `events`. */
export type Outcome = { ok: true; payment: Payment; events: PaymentEvent[]; declined?: Decline } | { ok: false; problem: Problem };

/** Without `expiresAt` the user has 5 + 5 minutes: landing page, then confirmation in the app. */
export const DEFAULT_EXPIRY_MS = 10 * 60_000;
const MIN_LONG_LIVING_MS = 10 * 60_000;
const MAX_LONG_LIVING_MS = 28 * 24 * 60 * 60_000;
const DAY_MS = 24 * 60 * 60_000;
const MINIMUM_AMOUNT: Record<Currency, number> = { NOK: 100, DKK: 1, EUR: 1 };
const CURRENCY_OF_COUNTRY: Record<string, Currency> = { NO: 'NOK', DK: 'DKK', FI: 'EUR' };

const zero: Aggregate = { authorized: 0, cancelled: 0, captured: 0, refunded: 0 };
const fail = (problem: Problem): Outcome => ({ ok: false, problem });

/** Applies one event to a payment: the only place where state and sums change. */
export function evolve(payment: Payment, event: PaymentEvent): Payment {
  // A failed attempt (success: false) is logged but changes neither state nor sums.
  if (!event.success) return payment;
  const a = payment.aggregate;
  const v = event.amount.value;
  switch (event.name) {
    case 'CREATED':
      return payment;
    case 'AUTHORIZED':
      return { ...payment, state: 'AUTHORIZED', authorizedAt: event.timestamp, aggregate: { ...a, authorized: v } };
    case 'ABORTED':
      return { ...payment, state: 'ABORTED' };
    case 'EXPIRED':
      return { ...payment, state: 'EXPIRED' };
    case 'TERMINATED':
      return { ...payment, state: 'TERMINATED', aggregate: { ...a, cancelled: a.cancelled + v } };
    case 'CAPTURED':
      return { ...payment, aggregate: { ...a, captured: a.captured + v } };
    case 'REFUNDED':
      return { ...payment, aggregate: { ...a, refunded: a.refunded + v } };
    case 'CANCELLED':
      return { ...payment, aggregate: { ...a, cancelled: a.cancelled + v } };
  }
}

/** Rebuilds a payment from its creation and its event log (the log is the truth). */
export function replay(created: Payment, events: readonly PaymentEvent[]): Payment {
  return events.reduce(evolve, { ...created, state: 'CREATED', aggregate: zero });
}

export function create(input: CreateInput, ctx: Context): Outcome {
  const problem = validateCreate(input, ctx.now);
  if (problem) return fail(problem);
  const createdAt = ctx.now.toISOString();
  const expiresAt = input.expiresAt ? new Date(input.expiresAt).toISOString() : new Date(ctx.now.getTime() + DEFAULT_EXPIRY_MS).toISOString();
  const payment: Payment = {
    msn: input.msn,
    reference: input.reference,
    state: 'CREATED',
    amount: input.amount,
    aggregate: zero,
    pspReference: input.pspReference,
    paymentMethod: input.paymentMethod,
    userFlow: input.userFlow,
    ...(input.customer ? { customer: input.customer } : {}),
    customerInteraction: input.customerInteraction ?? 'CUSTOMER_NOT_PRESENT',
    ...(input.returnUrl === undefined ? {} : { returnUrl: input.returnUrl }),
    ...(input.paymentDescription === undefined ? {} : { paymentDescription: input.paymentDescription }),
    ...(input.profileScope === undefined ? {} : { profileScope: input.profileScope }),
    ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
    ...(input.receiptUrl === undefined ? {} : { receiptUrl: input.receiptUrl }),
    ...(input.qrFormat ? { qrFormat: input.qrFormat.format === 'IMAGE/PNG' ? input.qrFormat : { format: input.qrFormat.format } } : {}),
    ...(input.minimumUserAge != null ? { minimumUserAge: input.minimumUserAge } : {}),
    redirectToken: input.redirectToken,
    ...(input.owner === undefined ? {} : { owner: input.owner }),
    createdAt,
    expiresAt,
    createIdempotencyKey: input.idempotencyKey,
  };
  const event: PaymentEvent = {
    reference: input.reference,
    // The CREATED event carries the payment-level pspReference.
    pspReference: input.pspReference,
    name: 'CREATED',
    amount: input.amount,
    timestamp: createdAt,
    idempotencyKey: input.idempotencyKey,
    success: true,
  };
  return { ok: true, payment, events: [event] };
}

function validateCreate(input: CreateInput, now: Date): Problem | undefined {
  const { amount, userFlow, paymentMethod } = input;
  const expected = CURRENCY_OF_COUNTRY[input.merchant.country] ?? 'NOK';
  if (amount.currency !== expected) return errors.invalidCurrency(amount.currency, input.msn);
  if (amount.value < MINIMUM_AMOUNT[amount.currency]) return errors.amountTooSmall(MINIMUM_AMOUNT[amount.currency], amount.currency);
  if (paymentMethod === 'CARD' && userFlow !== 'WEB_REDIRECT') return errors.cardRequiresWebRedirect();
  if (userFlow === 'WEB_REDIRECT' && !input.returnUrl) return errors.missingParameter('returnUrl', 'returnUrl is required when userFlow is WEB_REDIRECT');
  if (input.returnUrl !== undefined && !isAcceptedReturnUrl(input.returnUrl)) return errors.invalidUrl(input.returnUrl);
  if (input.receiptUrl && !isAcceptedReturnUrl(input.receiptUrl)) return errors.invalidUrl(input.receiptUrl);
  if (input.customer) {
    const given = Object.values(input.customer).filter((v) => v !== undefined).length;
    if (given !== 1) return errors.customerOneOf();
  }
  // An under-age customer is "Customer not found" (TK), as anyone who cannot pay this payment.
  if (input.minimumUserAge != null && input.customerAge !== undefined && input.customerAge < input.minimumUserAge) {
    return errors.underAge(input.minimumUserAge, input.customerAge, input.customer?.phoneNumber);
  }
  if (userFlow === 'PUSH_MESSAGE') {
    if (!input.customer) return errors.missingParameter('customer', 'customer is required when userFlow is PUSH_MESSAGE');
    if (!input.merchant.allowSkipLandingPage) return errors.skipLandingPageNotAllowed();
  }
  if (input.qrFormat && userFlow !== 'QR') return errors.qrFormatNotAllowed();
  // qrFormat.size with another format: the spec says it applies to PNG only, not that it is an
  // error, and Vipps' own collection sends it with IMAGE/SVG+XML; it is ignored (create drops it).
  if (input.profileScope !== undefined) {
    const problem = validateScope(input.profileScope);
    if (problem) return problem;
  }
  if (input.metadata) {
    for (const [k, v] of Object.entries(input.metadata)) {
      if (k.length > 100) return errors.metadataKeyTooLong(k);
      if (v.length > 500) return errors.metadataValueTooLong(k);
    }
  }
  if (input.expiresAt) {
    if (userFlow !== 'PUSH_MESSAGE' && userFlow !== 'QR') return errors.expiresAtNotAllowed();
    if (paymentMethod !== 'WALLET') return errors.expiresAtNotAllowed();
    if (!input.merchant.allowLongLiving) return errors.longLivingNotAllowed();
    if (!input.hasReceipt) return errors.longLivingRequiresReceipt();
    const at = Date.parse(input.expiresAt);
    const ahead = at - now.getTime();
    if (Number.isNaN(at) || ahead <= MIN_LONG_LIVING_MS || ahead >= MAX_LONG_LIVING_MS) return errors.expirationInvalid();
  }
  if (input.hasReceipt && paymentMethod !== 'WALLET') return errors.receiptRequiresWallet();
  return undefined;
}

const SCOPES = new Set(['name', 'address', 'email', 'phoneNumber', 'birthDate', 'nin']);
function validateScope(scope: string): Problem | undefined {
  const parts = scope.split(' ').filter(Boolean);
  if (parts.length === 0) return errors.invalidScope(scope);
  for (const p of parts) {
    if (p === 'nin') return errors.illegalScope(p);
    if (!SCOPES.has(p)) return errors.invalidScope(p);
  }
  return undefined;
}

/** `https://` or a custom app scheme, as the real API accepts; plus http on loopback for local shops (the platform's allowlist). */
export const isAcceptedReturnUrl = isAllowedReturnUrl;

export function decide(payment: Payment, command: Command, ctx: Context): Outcome {
  const emit = (name: EventName, value: number, idempotencyKey: string | null): PaymentEvent => ({
    reference: payment.reference,
    pspReference: ctx.newPspReference(),
    name,
    amount: { currency: payment.amount.currency, value },
    timestamp: ctx.now.toISOString(),
    idempotencyKey,
    success: true,
  });
  const done = (events: PaymentEvent[], extra: Partial<Payment> = {}): Outcome => ({
    ok: true,
    payment: { ...events.reduce(evolve, payment), ...extra },
    events,
  });
  const a = payment.aggregate;
  const expired = payment.state === 'CREATED' && ctx.now.getTime() >= Date.parse(payment.expiresAt);

  switch (command.type) {
    case 'expire':
      if (!expired) return fail(errors.notExpired());
      return done([emit('EXPIRED', payment.amount.value, null)]);

    case 'approve': {
      if (payment.state === 'AUTHORIZED') return fail(errors.alreadyReserved());
      if (expired || payment.state === 'EXPIRED') return fail(errors.paymentExpired());
      if (payment.state !== 'CREATED') return fail(errors.cannotApprove(payment.state));
      // Too young: refused before anything happens; no event (none is documented), the payment waits
      // for another payer, a rejection or its expiry (docs/decisions.md, Official clients).
      if (payment.minimumUserAge !== undefined && command.userAge !== undefined && command.userAge < payment.minimumUserAge) {
        return fail(errors.underAge(payment.minimumUserAge, command.userAge, command.phoneNumber));
      }
      const test = command.testAmounts ? testAmountOutcome(payment.amount.value) : undefined;
      if (test) {
        // The card payment fails: logged as an unsuccessful AUTHORIZED attempt; the payment stays
        // CREATED so the user can try again, reject, or let it expire (docs/decisions.md).
        const declined: Decline = {
          amountValue: test.value,
          reason: test.reason,
          message: test.message,
          ...(command.phoneNumber ? { phoneNumber: command.phoneNumber } : {}),
          at: ctx.now.toISOString(),
        };
        const attempt = { ...emit('AUTHORIZED', payment.amount.value, payment.createIdempotencyKey), success: false };
        return { ok: true, payment: { ...payment, lastDecline: declined }, events: [attempt], declined };
      }
      const extra: Partial<Payment> = {
        ...(command.phoneNumber ? { userPhoneNumber: command.phoneNumber } : {}),
        ...(payment.profileScope && command.sub ? { sub: command.sub } : {}),
      };
      return done([emit('AUTHORIZED', payment.amount.value, payment.createIdempotencyKey)], extra);
    }

    case 'decline': {
      if (expired || payment.state === 'EXPIRED') return fail(errors.paymentExpired());
      if (payment.state !== 'CREATED') return fail(errors.cannotApprove(payment.state));
      const declined: Decline = { amountValue: payment.amount.value, reason: command.reason, message: command.message, at: ctx.now.toISOString() };
      const attempt = { ...emit('AUTHORIZED', payment.amount.value, payment.createIdempotencyKey), success: false };
      return { ok: true, payment: { ...payment, lastDecline: declined }, events: [attempt], declined };
    }

    case 'reject':
      if (expired || payment.state === 'EXPIRED') return fail(errors.paymentExpired());
      if (payment.state !== 'CREATED') return fail(errors.cannotReject(payment.state));
      return done([emit('ABORTED', payment.amount.value, null)], command.phoneNumber ? { userPhoneNumber: command.phoneNumber } : {});

    case 'cancel': {
      if (payment.state === 'CREATED' && !expired) {
        return done([emit('TERMINATED', payment.amount.value, null)]);
      }
      if (payment.state === 'TERMINATED') return done([]); // cancelling twice changes nothing
      if (payment.state !== 'AUTHORIZED') return fail(errors.cannotCancel(expired ? 'EXPIRED' : payment.state));
      if (command.cancelTransactionOnly) return fail(errors.cannotCancelAuthorized());
      if (ctx.now.getTime() - Date.parse(payment.authorizedAt ?? payment.createdAt) > 180 * DAY_MS) return fail(errors.cancelPeriodExpired());
      const rest = a.authorized - a.captured - a.cancelled;
      if (rest > 0) return done([emit('CANCELLED', rest, null)]);
      if (a.cancelled > 0) return done([]); // the remainder was already released
      return fail(errors.cannotCancelCaptured());
    }

    case 'capture': {
      if (command.amount.currency !== payment.amount.currency) return fail(errors.currencyMismatch(command.amount.currency, payment.amount.currency));
      if (command.amount.value <= 0) return fail(errors.amountInvalid('modificationAmount.value must be greater than 0'));
      if (payment.state === 'CREATED') return fail(expired ? errors.cannotCapture('EXPIRED') : errors.captureBeforeReservation());
      if (payment.state !== 'AUTHORIZED') return fail(errors.cannotCapture(payment.state));
      if (a.cancelled > 0) return fail(errors.cannotCaptureCancelled());
      if (ctx.now.getTime() - Date.parse(payment.authorizedAt ?? payment.createdAt) > 180 * DAY_MS) return fail(errors.capturePeriodExpired());
      const capturable = a.authorized - a.cancelled - a.captured;
      if (command.amount.value > capturable) return fail(errors.captureTooHigh(command.amount.value, capturable));
      return done([emit('CAPTURED', command.amount.value, command.idempotencyKey)]);
    }

    case 'refund': {
      if (command.amount.currency !== payment.amount.currency) return fail(errors.currencyMismatch(command.amount.currency, payment.amount.currency));
      if (command.amount.value <= 0) return fail(errors.amountInvalid('modificationAmount.value must be greater than 0'));
      if (payment.state === 'CREATED') return fail(errors.refundBeforeReservation());
      if (payment.state !== 'AUTHORIZED') return fail(errors.cannotRefund(payment.state));
      if (ctx.now.getTime() - Date.parse(payment.authorizedAt ?? payment.createdAt) > 365 * DAY_MS) return fail(errors.refundPeriodExpired());
      const refundable = a.captured - a.refunded;
      if (a.captured > 0 && refundable === 0) return fail(errors.alreadyRefunded());
      if (command.amount.value > refundable) return fail(errors.notEnoughRefundable(command.amount.value, refundable));
      return done([emit('REFUNDED', command.amount.value, command.idempotencyKey)]);
    }
  }
}
