/**
 * The Recurring rules, pure: agreements (PENDING → ACTIVE / STOPPED / EXPIRED) and charges
 * (PENDING → DUE → RESERVED / CHARGED / FAILED, captures, refunds, cancels), as reference A3–A4
 * describes them. Every function takes the current state and what happened and returns the new
 * state and the events, or a refusal. No I/O, no clock: `now` is given.
 */
import { TEST_AMOUNTS } from '../../platform/test-amounts.js';
import { addDays, addPeriod, afternoonRunOf, attemptAt, daysBetween, dueBounds, intervalText, isAfternoon, isDate, kroner, later, osloDate, PROCESSING_MS, shortDate, visibleAt, type Unit } from './calendar.js';
import { recurringErrors as E, type RecurringProblem } from './errors.js';
import type { CampaignRequest, ChargeEvent, CreateChargeRequest, DraftAgreementRequest, FAILURE_REASONS, PatchAgreementRequest, TimePeriod } from './schemas.js';

export type AgreementStatus = 'PENDING' | 'ACTIVE' | 'STOPPED' | 'EXPIRED';
export type ChargeStatus = 'PENDING' | 'DUE' | 'RESERVED' | 'CHARGED' | 'PARTIALLY_CAPTURED' | 'FAILED' | 'CANCELLED' | 'PARTIALLY_REFUNDED' | 'REFUNDED' | 'PROCESSING';
export type TransactionType = 'RESERVE_CAPTURE' | 'DIRECT_CAPTURE';
export type FailureReason = (typeof FAILURE_REASONS)[number];
export type Actor = 'MERCHANT' | 'USER' | 'ADMIN';

export type Pricing = { type: 'LEGACY'; currency: 'NOK'; amount: number } | { type: 'VARIABLE'; currency: 'NOK'; suggestedMaxAmount: number; maxAmount: number };

export interface Campaign {
  type: CampaignRequest['type'];
  price: number;
  end?: string;
  period?: TimePeriod;
  eventDate?: string;
  eventText?: string;
  interval?: TimePeriod;
  explanation: string;
}

export interface Agreement {
  msn: string;
  id: string;
  uuid: string;
  status: AgreementStatus;
  created: string;
  start: string | null;
  stop: string | null;
  /** A PENDING agreement nobody answered expires at this instant (10 minutes after the draft). */
  expiresAt: string;
  productName: string;
  productDescription?: string;
  pricing: Pricing;
  interval: TimePeriod;
  campaign: Campaign | null;
  merchantAgreementUrl: string;
  merchantRedirectUrl: string;
  /** The phone number the merchant gave (prefills the landing page, target of skipLandingPage). */
  phoneNumber?: string;
  scope?: string;
  isApp: boolean;
  skipLandingPage: boolean;
  externalId?: string;
  countryCode: 'NO';
  /** The landing page link's token (unguessable). */
  token: string;
  initialChargeId: string | null;
  /** What the initial charge asks for, as the landing page and the app show it. */
  initial?: { amount: number; description: string };
  /** The test user who accepted or rejected it. */
  userPhoneNumber?: string;
  sub: string | null;
}

export interface Charge {
  msn: string;
  id: string;
  agreementId: string;
  externalId: string | null;
  externalAgreementId: string | null;
  amount: number;
  currency: 'NOK';
  description: string;
  /** The due date, `YYYY-MM-DD` (Oslo). */
  due: string;
  retryDays: number;
  status: ChargeStatus;
  type: 'INITIAL' | 'RECURRING' | 'UNSCHEDULED';
  transactionType: TransactionType;
  transactionId: string | null;
  failureReason: FailureReason | null;
  failureDescription: string | null;
  reserved: number;
  captured: number;
  refunded: number;
  cancelled: number;
  history: ChargeEvent[];
  created: string;
  reservedAt: string | null;
  capturedAt: string | null;
  /** Processing attempts made (the first on the due date, then one a day for retryDays). */
  attempts: number;
  /** The instant of the next thing the calendar does to it (becoming DUE, an attempt); null: nothing. */
  nextAt: string | null;
}

/** What happened, for webhooks: `recurring.<type>.v1`. */
export type EventName =
  | 'agreement-activated' | 'agreement-rejected' | 'agreement-stopped' | 'agreement-expired'
  | 'charge-reserved' | 'charge-captured' | 'charge-canceled' | 'charge-failed' | 'charge-refunded' | 'charge-creation-failed';

export interface DomainEvent {
  name: EventName;
  at: string;
  actor: Actor;
  /** Charge events: the charge as it is after the event. */
  charge?: Charge;
}

export type Result<T> = ({ ok: true; events: DomainEvent[] } & T) | { ok: false; problem: RecurringProblem };
const refuse = (problem: RecurringProblem): { ok: false; problem: RecurringProblem } => ({ ok: false, problem });

export const PENDING_LIFETIME_MS = 10 * 60_000;
export const LEGACY_CHARGE_FACTOR = 5;
export const CAPTURE_DAYS = 180;
export const REFUND_DAYS = 365;
const DAY_MS = 86_400_000;

export const FAILURE_DESCRIPTIONS: Record<FailureReason, string> = {
  user_action_required: 'User action required',
  charge_amount_too_high: 'Amount is higher than the users specified max amount',
  non_technical_error: 'Non-technical error',
  technical_error: 'Technical error',
};

/** The system's idempotency key on the calendar's own history events (R-GUIDE's example). */
export const processKey = (c: Pick<Charge, 'id' | 'agreementId'>) => `${c.id}-${c.agreementId}-ProcessPayment`;

// ---------------------------------------------------------------- agreements

export interface DraftInput {
  msn: string;
  id: string;
  uuid: string;
  token: string;
  request: DraftAgreementRequest;
  allowSkipLandingPage: boolean;
  /** The initial charge's id when the request gives no orderId. */
  generatedChargeId: string;
}

function campaignOf(c: CampaignRequest, pricing: Pricing, now: Date): Campaign | RecurringProblem {
  const need = (name: keyof CampaignRequest) => (c[name] === undefined ? E.validation(`campaign.${name}`, `is required for ${c.type}`) : undefined);
  const instant = (name: 'end' | 'eventDate'): string | RecurringProblem => {
    const v = c[name]!;
    const t = Date.parse(v.replace(/^(\d{4})\/(\d{2})\/(\d{2})/, '$1-$2-$3'));
    if (!Number.isFinite(t)) return E.validation(`campaign.${name}`, 'must be a UTC date-time, e.g. 2030-12-31T00:00:00Z');
    if (t < now.getTime()) return E.validation(`campaign.${name}`, 'must not be in the past');
    return new Date(t).toISOString().replace('.000Z', 'Z');
  };
  const normal = pricing.type === 'LEGACY' ? kroner(pricing.amount) : 'the ordinary price';
  const base = { type: c.type, price: c.price };
  switch (c.type) {
    case 'PRICE_CAMPAIGN': {
      const missing = need('end');
      if (missing) return missing;
      const end = instant('end');
      if (typeof end !== 'string') return end;
      return { ...base, end, explanation: `Ordinary price ${normal} starts ${shortDate(end)}` };
    }
    case 'PERIOD_CAMPAIGN': {
      const missing = need('period');
      if (missing) return missing;
      const end = `${addPeriod(now.toISOString().slice(0, 10), c.period!.unit as Unit, c.period!.count)}T00:00:00Z`;
      return { ...base, period: c.period!, end, explanation: `${kroner(c.price)} for ${intervalText(c.period!.unit as Unit, c.period!.count).replace('every ', '')}, then ${normal}` };
    }
    case 'EVENT_CAMPAIGN': {
      const missing = need('eventDate') ?? need('eventText');
      if (missing) return missing;
      const eventDate = instant('eventDate');
      if (typeof eventDate !== 'string') return eventDate;
      return { ...base, eventDate, eventText: c.eventText!, explanation: `${kroner(c.price)} ${c.eventText!}, then ${normal}` };
    }
    case 'FULL_FLEX_CAMPAIGN': {
      const missing = need('end') ?? need('interval');
      if (missing) return missing;
      const end = instant('end');
      if (typeof end !== 'string') return end;
      return { ...base, end, interval: c.interval!, explanation: `${kroner(c.price)} ${intervalText(c.interval!.unit as Unit, c.interval!.count)} until ${shortDate(end)}, then ${normal}` };
    }
  }
}

const isProblem = (x: unknown): x is RecurringProblem => typeof x === 'object' && x !== null && 'id' in x && 'status' in x && 'detail' in x;

const HTTPS = /^https:\/\/[^\s]+$/i;
const LOOPBACK = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/[^\s]*)?$/i;
/** merchantRedirectUrl: https or an app deeplink (`myApp://home`); http to loopback for local shops. */
const redirectOk = (url: string, isApp: boolean) => isApp || HTTPS.test(url) || LOOPBACK.test(url) || /^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(url) && !/^(http|javascript|data|file|vbscript|blob|about):/i.test(url);
/** merchantAgreementUrl: https only (the emulator also takes http to loopback). */
const agreementUrlOk = (url: string, isApp: boolean) => isApp || HTTPS.test(url) || LOOPBACK.test(url);

export const SCOPES = ['name', 'address', 'email', 'phoneNumber', 'birthDate', 'nin'] as const;

/** A new agreement (PENDING) and its initial charge, if one was asked for. */
export function draft(input: DraftInput, now: Date): Result<{ agreement: Agreement; initialCharge?: Charge }> {
  const r = input.request;
  const isApp = r.isApp === true;
  const type = r.pricing.type ?? 'LEGACY';
  let pricing: Pricing;
  if (type === 'LEGACY') {
    if (r.pricing.amount === undefined) return refuse(E.validation('pricing.amount', 'is required when pricing.type is LEGACY'));
    if (r.pricing.suggestedMaxAmount !== undefined) return refuse(E.validation('pricing.suggestedMaxAmount', 'is only for pricing.type VARIABLE'));
    pricing = { type, currency: 'NOK', amount: r.pricing.amount };
  } else {
    if (r.pricing.suggestedMaxAmount === undefined) return refuse(E.suggestedMaxAmount('pricing.suggestedMaxAmount is required when pricing.type is VARIABLE (100–2000000).'));
    if (r.pricing.amount !== undefined) return refuse(E.validation('pricing.amount', 'is only for pricing.type LEGACY'));
    pricing = { type, currency: 'NOK', suggestedMaxAmount: r.pricing.suggestedMaxAmount, maxAmount: r.pricing.suggestedMaxAmount };
  }
  if (!redirectOk(r.merchantRedirectUrl, isApp)) return refuse(E.validation('merchantRedirectUrl', 'must be an https URL or an app deeplink'));
  if (!agreementUrlOk(r.merchantAgreementUrl, isApp)) return refuse(E.validation('merchantAgreementUrl', 'must be an https URL'));
  if (r.scope !== undefined) {
    const unknown = r.scope.split(/\s+/).filter((s) => s && !(SCOPES as readonly string[]).includes(s));
    if (unknown.length > 0 || r.scope.trim() === '') return refuse(E.validation('scope', `must be space-separated values of ${SCOPES.join(', ')}`));
  }
  if (r.skipLandingPage === true) {
    if (!input.allowSkipLandingPage) return refuse(E.skipLandingPage());
    if (!r.phoneNumber) return refuse(E.validation('phoneNumber', 'is required with skipLandingPage'));
  }
  let campaign: Campaign | null = null;
  if (r.campaign) {
    if (pricing.type === 'VARIABLE') return refuse(E.campaignWithVariable());
    const c = campaignOf(r.campaign, pricing, now);
    if (isProblem(c)) return refuse(c);
    campaign = c;
  }
  const created = now.toISOString();
  const agreement: Agreement = {
    msn: input.msn,
    id: input.id,
    uuid: input.uuid,
    status: 'PENDING',
    created,
    start: null,
    stop: null,
    expiresAt: new Date(now.getTime() + PENDING_LIFETIME_MS).toISOString(),
    productName: r.productName,
    ...(r.productDescription === undefined ? {} : { productDescription: r.productDescription }),
    pricing,
    interval: r.interval,
    campaign,
    merchantAgreementUrl: r.merchantAgreementUrl,
    merchantRedirectUrl: r.merchantRedirectUrl,
    ...(r.phoneNumber === undefined ? {} : { phoneNumber: r.phoneNumber.length === 8 ? `47${r.phoneNumber}` : r.phoneNumber }),
    ...(r.scope === undefined ? {} : { scope: r.scope.trim().split(/\s+/).join(' ') }),
    isApp,
    skipLandingPage: r.skipLandingPage === true,
    ...(r.externalId === undefined ? {} : { externalId: r.externalId }),
    countryCode: 'NO',
    token: input.token,
    initialChargeId: null,
    sub: null,
  };
  if (!r.initialCharge) return { ok: true, events: [], agreement };
  const ic = r.initialCharge;
  const initialCharge: Charge = {
    msn: input.msn,
    id: ic.orderId ?? input.generatedChargeId,
    agreementId: input.id,
    externalId: ic.externalId ?? null,
    externalAgreementId: r.externalId ?? null,
    amount: ic.amount,
    currency: 'NOK',
    description: ic.description,
    due: osloDate(now),
    retryDays: 0,
    status: 'PENDING',
    type: 'INITIAL',
    transactionType: ic.transactionType,
    transactionId: null,
    failureReason: null,
    failureDescription: null,
    reserved: 0,
    captured: 0,
    refunded: 0,
    cancelled: 0,
    history: [],
    created,
    reservedAt: null,
    capturedAt: null,
    attempts: 0,
    // The initial charge is processed when the user accepts, never by the calendar.
    nextAt: null,
  };
  return { ok: true, events: [], agreement: { ...agreement, initialChargeId: initialCharge.id, initial: { amount: ic.amount, description: ic.description } }, initialCharge };
}

/** Why a payment from the user fails, or undefined: the test environment's inputs to one attempt. */
export interface Payer {
  /** The test user still exists. */
  exists: boolean;
  /** The user flag "no funds" (control API). */
  insufficientFunds: boolean;
}

/** The failure an attempt to take `amount` from the payer meets (test amounts apply in the app and on the calendar, not in force accept). */
export function attemptFailure(amount: number, payer: Payer, testAmounts: boolean, maxAmount?: number): FailureReason | undefined {
  if (!payer.exists) return 'non_technical_error';
  if (testAmounts) {
    const t = TEST_AMOUNTS.get(amount);
    if (t) return t.value === 201 ? 'technical_error' : 'user_action_required';
  }
  if (maxAmount !== undefined && amount > maxAmount) return 'charge_amount_too_high';
  if (payer.insufficientFunds) return 'user_action_required';
  return undefined;
}

export interface AcceptInput {
  phoneNumber: string;
  /** The user's sub for this sales unit (set on the agreement when it has a scope). */
  sub: string;
  payer: Payer;
  /** In the app the test amounts fail; force accept ignores them (reference part C). */
  testAmounts: boolean;
  /** VARIABLE pricing: the limit the user picked (default the suggested one). */
  maxAmount?: number;
  transactionId: string;
  actor: Actor;
}

/** The user accepts. The initial charge is taken first: if it fails, the agreement expires instead. */
export function accept(a: Agreement, initial: Charge | undefined, input: AcceptInput, now: Date): Result<{ agreement: Agreement; initialCharge?: Charge; declined?: FailureReason }> {
  if (a.status !== 'PENDING') return refuse(E.notPending(a.status));
  const at = now.toISOString();
  if (initial && initial.status !== 'PENDING') initial = undefined;
  if (initial) {
    const failure = attemptFailure(initial.amount, input.payer, input.testAmounts);
    if (failure) {
      const failed: Charge = {
        ...initial,
        status: 'FAILED',
        failureReason: failure,
        failureDescription: FAILURE_DESCRIPTIONS[failure],
        attempts: 1,
        history: [...initial.history, { occurred: at, event: 'FAIL', amount: initial.amount, idempotencyKey: processKey(initial), success: false }],
      };
      const expired: Agreement = { ...a, status: 'EXPIRED', userPhoneNumber: input.phoneNumber };
      return { ok: true, agreement: expired, initialCharge: failed, declined: failure, events: [{ name: 'charge-failed', at, actor: input.actor, charge: failed }, { name: 'agreement-expired', at, actor: input.actor }] };
    }
  }
  let pricing = a.pricing;
  if (pricing.type === 'VARIABLE' && input.maxAmount !== undefined) pricing = { ...pricing, maxAmount: input.maxAmount };
  const agreement: Agreement = { ...a, status: 'ACTIVE', start: at, pricing, userPhoneNumber: input.phoneNumber, sub: a.scope ? input.sub : null };
  const events: DomainEvent[] = [{ name: 'agreement-activated', at, actor: input.actor }];
  if (!initial) return { ok: true, agreement, events };
  const key = processKey(initial);
  const charged: Charge =
    initial.transactionType === 'DIRECT_CAPTURE'
      ? { ...initial, status: 'CHARGED', reserved: initial.amount, captured: initial.amount, transactionId: input.transactionId, reservedAt: at, capturedAt: at, attempts: 1, history: [...initial.history, { occurred: at, event: 'CAPTURE', amount: initial.amount, idempotencyKey: key, success: true }] }
      : { ...initial, status: 'RESERVED', reserved: initial.amount, reservedAt: at, attempts: 1, history: [...initial.history, { occurred: at, event: 'RESERVE', amount: initial.amount, idempotencyKey: key, success: true }] };
  events.push({ name: initial.transactionType === 'DIRECT_CAPTURE' ? 'charge-captured' : 'charge-reserved', at, actor: input.actor, charge: charged });
  return { ok: true, agreement, initialCharge: charged, events };
}

/** A charge that can still take money is cancelled (agreement stopped, rejected or expired; an attempt under way is abandoned); others are left as they are. */
export function cancelOpen(c: Charge, at: string, actor: Actor, key: string): { charge: Charge; events: DomainEvent[] } {
  if (c.status !== 'PENDING' && c.status !== 'DUE' && c.status !== 'PROCESSING' && c.status !== 'RESERVED') return { charge: c, events: [] };
  const left = c.amount - c.captured;
  const charge: Charge = { ...c, status: 'CANCELLED', cancelled: c.cancelled + left, nextAt: null, history: [...c.history, { occurred: at, event: 'CANCEL', amount: left, idempotencyKey: key, success: true }] };
  return { charge, events: [{ name: 'charge-canceled', at, actor, charge }] };
}

/** The user says no in the app: the agreement is STOPPED (R-GUIDE) and its initial charge cancelled. */
export function reject(a: Agreement, initial: Charge | undefined, phoneNumber: string | undefined, now: Date): Result<{ agreement: Agreement; initialCharge?: Charge }> {
  if (a.status !== 'PENDING') return refuse(E.notPending(a.status));
  const at = now.toISOString();
  const agreement: Agreement = { ...a, status: 'STOPPED', stop: at, ...(phoneNumber ? { userPhoneNumber: phoneNumber } : {}) };
  const events: DomainEvent[] = [{ name: 'agreement-rejected', at, actor: 'USER' }];
  if (!initial) return { ok: true, agreement, events };
  const cancelled = cancelOpen(initial, at, 'USER', processKey(initial));
  return { ok: true, agreement, initialCharge: cancelled.charge, events: [...cancelled.events, ...events] };
}

/** Nobody answered in time: PENDING → EXPIRED at `expiresAt`. */
export function expire(a: Agreement, initial: Charge | undefined): Result<{ agreement: Agreement; initialCharge?: Charge }> {
  if (a.status !== 'PENDING') return refuse(E.notPending(a.status));
  const at = a.expiresAt;
  const agreement: Agreement = { ...a, status: 'EXPIRED' };
  const events: DomainEvent[] = [{ name: 'agreement-expired', at, actor: 'ADMIN' }];
  if (!initial) return { ok: true, agreement, events };
  const cancelled = cancelOpen(initial, at, 'ADMIN', processKey(initial));
  return { ok: true, agreement, initialCharge: cancelled.charge, events: [...cancelled.events, ...events] };
}

export const isOverdue = (a: Agreement, now: Date) => a.status === 'PENDING' && now.getTime() >= Date.parse(a.expiresAt);

/** Stops an agreement (merchant's PATCH, the user in the app): final; its open charges are cancelled (see `cancelOpen`). */
export function stop(a: Agreement, actor: Actor, now: Date): Result<{ agreement: Agreement }> {
  if (a.status === 'STOPPED' || a.status === 'EXPIRED') return refuse(E.illegalUpdate(a.status, 'a stopped or expired agreement cannot be changed'));
  const at = now.toISOString();
  return { ok: true, agreement: { ...a, status: 'STOPPED', stop: at }, events: [{ name: 'agreement-stopped', at, actor }] };
}

/** PATCH without `status`: changes to an ACTIVE agreement. */
export function update(a: Agreement, body: PatchAgreementRequest): Result<{ agreement: Agreement }> {
  if (a.status !== 'ACTIVE') return refuse(E.illegalUpdate(a.status, a.status === 'PENDING' ? 'a pending agreement can only be stopped' : 'a stopped or expired agreement cannot be changed'));
  let next: Agreement = { ...a };
  if (body.productName !== undefined) next.productName = body.productName;
  if (body.productDescription !== undefined) next.productDescription = body.productDescription;
  if (body.merchantAgreementUrl !== undefined) {
    if (!agreementUrlOk(body.merchantAgreementUrl, a.isApp)) return refuse(E.validation('merchantAgreementUrl', 'must be an https URL'));
    next.merchantAgreementUrl = body.merchantAgreementUrl;
  }
  if (body.externalId !== undefined) next.externalId = body.externalId;
  if (body.pricing) {
    const p = a.pricing;
    if (body.pricing.amount !== undefined) {
      if (p.type !== 'LEGACY') return refuse(E.validation('pricing.amount', 'can only be changed on LEGACY agreements'));
      next = { ...next, pricing: { ...p, amount: body.pricing.amount } };
    }
    if (body.pricing.suggestedMaxAmount !== undefined) {
      if (p.type !== 'VARIABLE') return refuse(E.validation('pricing.suggestedMaxAmount', 'can only be changed on VARIABLE agreements'));
      // The user is not asked: their maxAmount stays as they chose it.
      next = { ...next, pricing: { ...(next.pricing as typeof p), suggestedMaxAmount: body.pricing.suggestedMaxAmount } };
    }
  }
  if (body.interval) {
    if (!body.interval.period) return refuse(E.validation('interval.period', 'is required when interval.type is RECURRING'));
    next.interval = body.interval.period;
  }
  return { ok: true, agreement: next, events: [] };
}

/** The user changes their limit on a VARIABLE agreement (the app, the control API). */
export function setMaxAmount(a: Agreement, maxAmount: number): Result<{ agreement: Agreement }> {
  if (a.pricing.type !== 'VARIABLE') return refuse(E.validation('maxAmount', 'only VARIABLE agreements have a max amount'));
  if (a.status !== 'ACTIVE') return refuse(E.illegalUpdate(a.status, 'only an active agreement has a max amount to change'));
  return { ok: true, agreement: { ...a, pricing: { ...a.pricing, maxAmount } }, events: [] };
}

// ---------------------------------------------------------------- charges

export interface CreateChargeInput {
  id: string;
  request: CreateChargeRequest;
  idempotencyKey: string;
}

/** The charge limit of an agreement (A4.4): LEGACY 5× its price per charge; VARIABLE the larger of the suggested and the user's max. */
export function chargeLimit(a: Agreement): { limit: number; why: string } {
  if (a.pricing.type === 'LEGACY') return { limit: LEGACY_CHARGE_FACTOR * a.pricing.amount, why: `a LEGACY agreement's charge may be at most ${LEGACY_CHARGE_FACTOR} times its price ${a.pricing.amount}` };
  const limit = Math.max(a.pricing.suggestedMaxAmount, a.pricing.maxAmount);
  return { limit, why: 'a VARIABLE agreement\'s charge may be at most the larger of suggestedMaxAmount and the user\'s maxAmount' };
}

/** A new charge on an ACTIVE agreement, DUE at once when its due date is near (35 days), PENDING before. */
export function createCharge(a: Agreement, input: CreateChargeInput, now: Date): Result<{ charge: Charge }> {
  if (a.status !== 'ACTIVE') return refuse(E.agreementNotActive(a.status));
  const r = input.request;
  const today = osloDate(now);
  const unscheduled = r.type === 'UNSCHEDULED';
  if (!unscheduled && r.due === undefined) return refuse(E.validation('due', 'is required'));
  if (!unscheduled && r.retryDays === undefined) return refuse(E.validation('retryDays', 'is required'));
  const { earliest, latest } = dueBounds(today);
  const due = r.due ?? earliest;
  if (!isDate(due)) return refuse(E.validation('due', 'must be a date YYYY-MM-DD'));
  if (due < earliest) return refuse(E.dueTooSoon(earliest));
  if (due > latest) return refuse(E.dueTooLate(latest));
  const { limit, why } = chargeLimit(a);
  if (r.amount > limit) return refuse(E.amountTooHigh(r.amount, limit, why));
  const created = now.toISOString();
  const visible = visibleAt(due);
  const dueNow = Date.parse(visible) <= now.getTime();
  const charge: Charge = {
    msn: a.msn,
    id: input.id,
    agreementId: a.id,
    externalId: r.externalId ?? null,
    externalAgreementId: a.externalId ?? null,
    amount: r.amount,
    currency: 'NOK',
    description: r.description,
    due,
    retryDays: r.retryDays ?? 0,
    status: dueNow ? 'DUE' : 'PENDING',
    type: unscheduled ? 'UNSCHEDULED' : 'RECURRING',
    transactionType: r.transactionType,
    transactionId: null,
    failureReason: null,
    failureDescription: null,
    reserved: 0,
    captured: 0,
    refunded: 0,
    cancelled: 0,
    history: [{ occurred: created, event: 'CREATE', amount: r.amount, idempotencyKey: input.idempotencyKey, success: true }],
    created,
    reservedAt: null,
    capturedAt: null,
    attempts: 0,
    nextAt: dueNow ? attemptAt(due, 0) : visible,
  };
  return { ok: true, charge, events: [] };
}

/** The failure an attempt on a charge meets now: the agreement must be ACTIVE; test amounts, funds and (VARIABLE) the user's max amount apply. */
function chargeFailure(c: Charge, a: Agreement | undefined, payer: Payer): FailureReason | undefined {
  if (!a || a.status !== 'ACTIVE') return 'non_technical_error';
  return attemptFailure(c.amount, payer, true, a.pricing.type === 'VARIABLE' ? a.pricing.maxAmount : undefined);
}

/** The test amount 2.01 kr: "unknown result for 1 h" (reference part C). Its attempt stays PROCESSING that hour longer (the spec's enum has no UNKNOWN), then fails with technical_error. */
const UNKNOWN_RESULT_AMOUNT = 201;
const processingTime = (c: Charge) => (c.amount === UNKNOWN_RESULT_AMOUNT ? 2 * PROCESSING_MS : PROCESSING_MS);

/** After a partial capture, the rest of the reservation is released automatically (R-GUIDE: "after a few days"): at 00:00 UTC this many days after the first capture. */
export const PARTIAL_RELEASE_DAYS = 7;
export const releaseAt = (capturedAt: string): string => `${addDays(capturedAt.slice(0, 10), PARTIAL_RELEASE_DAYS)}T00:00:00.000Z`;

/**
 * One step of the calendar on a charge, at `charge.nextAt` (reference A4.3, A4.5):
 *  - PENDING becomes DUE (35 days before the due date);
 *  - a DUE charge is picked up by the 07:00 UTC run of a day of its window and is PROCESSING for
 *    an hour (two for the test amount 2.01 kr, whose result is unknown meanwhile);
 *  - the result: taken (CHARGED / RESERVED), or a failed attempt (`FAIL`). After a failed morning
 *    attempt the 15:00 UTC run takes the charge again if the cause has gone (no second attempt
 *    otherwise: retries are once a day); then the next day's 07:00 run, until retryDays are used
 *    up: FAILED;
 *  - a PARTIALLY_CAPTURED charge's rest is released (PARTIAL_RELEASE_DAYS after the first capture).
 * Events carry the step's own instant, so a clock jump of months replays the calendar exactly as
 * it would have run.
 */
export function processStep(c: Charge, a: Agreement | undefined, payer: Payer, transactionId: string): { charge: Charge; events: DomainEvent[] } {
  const at = c.nextAt;
  if (at === null) return { charge: c, events: [] };
  if (c.status === 'PENDING') return { charge: { ...c, status: 'DUE', nextAt: attemptAt(c.due, 0) }, events: [] };
  if (c.status === 'PARTIALLY_CAPTURED') {
    const left = c.reserved - c.captured - c.cancelled;
    const charge: Charge = { ...c, status: 'CHARGED', cancelled: c.cancelled + left, nextAt: null, history: [...c.history, { occurred: at, event: 'CANCEL', amount: left, idempotencyKey: processKey(c), success: true }] };
    return { charge, events: [{ name: 'charge-canceled', at, actor: 'ADMIN', charge }] };
  }
  const day = daysBetween(c.due, at.slice(0, 10));
  if (c.status === 'DUE') {
    if (isAfternoon(at)) {
      // The afternoon run: only a charge whose morning failure has been fixed since is attempted.
      const failure = chargeFailure(c, a, payer);
      if (failure !== undefined) {
        if (day < c.retryDays) return { charge: { ...c, nextAt: attemptAt(c.due, day + 1) }, events: [] };
        const charge: Charge = { ...c, status: 'FAILED', nextAt: null, failureReason: failure, failureDescription: FAILURE_DESCRIPTIONS[failure] };
        return { charge, events: [{ name: 'charge-failed', at, actor: 'ADMIN', charge }] };
      }
    }
    return { charge: { ...c, status: 'PROCESSING', nextAt: later(at, processingTime(c)) }, events: [] };
  }
  if (c.status !== 'PROCESSING') return { charge: { ...c, nextAt: null }, events: [] };
  return settle(c, a, payer, transactionId, at);
}

/** The result of an attempt at `at`: taken, or a failed attempt (then the afternoon run, the next day, or FAILED). */
function settle(c: Charge, a: Agreement | undefined, payer: Payer, transactionId: string, at: string): { charge: Charge; events: DomainEvent[] } {
  const day = daysBetween(c.due, at.slice(0, 10));
  const key = processKey(c);
  const failure = chargeFailure(c, a, payer) ?? (c.amount === UNKNOWN_RESULT_AMOUNT ? 'technical_error' : undefined);
  if (failure === undefined) {
    const charge: Charge =
      c.transactionType === 'DIRECT_CAPTURE'
        ? { ...c, status: 'CHARGED', reserved: c.amount, captured: c.amount, transactionId, reservedAt: at, capturedAt: at, attempts: c.attempts + 1, nextAt: null, history: [...c.history, { occurred: at, event: 'CAPTURE', amount: c.amount, idempotencyKey: key, success: true }] }
        : { ...c, status: 'RESERVED', reserved: c.amount, reservedAt: at, attempts: c.attempts + 1, nextAt: null, history: [...c.history, { occurred: at, event: 'RESERVE', amount: c.amount, idempotencyKey: key, success: true }] };
    return { charge, events: [{ name: c.transactionType === 'DIRECT_CAPTURE' ? 'charge-captured' : 'charge-reserved', at, actor: 'ADMIN', charge }] };
  }
  const attempts = c.attempts + 1;
  const history = [...c.history, { occurred: at, event: 'FAIL' as const, amount: c.amount, idempotencyKey: key, success: false }];
  // A morning attempt failed: the afternoon run looks again. An afternoon one: the next day, if the window has one.
  if (!isAfternoon(at)) return { charge: { ...c, status: 'DUE', attempts, history, nextAt: afternoonRunOf(at) }, events: [] };
  if (day < c.retryDays) return { charge: { ...c, status: 'DUE', attempts, history, nextAt: attemptAt(c.due, day + 1) }, events: [] };
  const charge: Charge = { ...c, status: 'FAILED', attempts, history, nextAt: null, failureReason: failure, failureDescription: FAILURE_DESCRIPTIONS[failure] };
  return { charge, events: [{ name: 'charge-failed', at, actor: 'ADMIN', charge }] };
}

/**
 * The calendar's steps on a charge up to `now` that follow one another without anything in between:
 * a run's pickup (PROCESSING) and its result. After a clock jump the hour of processing has passed
 * already, and one write does both (the result is what the hour would have given).
 */
export function processUntil(c: Charge, a: Agreement | undefined, payer: Payer, transactionId: string, now: string): { charge: Charge; events: DomainEvent[] } {
  if (c.status === 'DUE' && c.nextAt !== null) {
    const resultAt = later(c.nextAt, processingTime(c));
    // Picked up (the afternoon run only after a fix) and its result owed too: settled from the charge as it is, no PROCESSING copy in between.
    if (resultAt <= now && (!isAfternoon(c.nextAt) || chargeFailure(c, a, payer) === undefined)) return settle(c, a, payer, transactionId, resultAt);
  }
  return processStep(c, a, payer, transactionId);
}

/**
 * An item of the batch endpoint that passed validation but could not be created (no such
 * agreement, not ACTIVE, orderId taken): the batch answered it as valid (202), so the merchant
 * learns of it by the `charge-creation-failed` event. Its charge is the one asked for, never stored.
 */
export function chargeCreationFailed(msn: string, agreementId: string, agreementExternalId: string | undefined, r: CreateChargeRequest & { orderId: string }, detail: string, now: Date): DomainEvent {
  const at = now.toISOString();
  const charge: Charge = {
    msn,
    id: r.orderId,
    agreementId,
    externalId: r.externalId ?? null,
    externalAgreementId: agreementExternalId ?? null,
    amount: r.amount,
    currency: 'NOK',
    description: r.description,
    due: r.due ?? '',
    retryDays: r.retryDays ?? 0,
    status: 'FAILED',
    type: r.type === 'UNSCHEDULED' ? 'UNSCHEDULED' : 'RECURRING',
    transactionType: r.transactionType,
    transactionId: null,
    failureReason: null,
    failureDescription: detail,
    reserved: 0,
    captured: 0,
    refunded: 0,
    cancelled: 0,
    history: [],
    created: at,
    reservedAt: null,
    capturedAt: null,
    attempts: 0,
    nextAt: null,
  };
  return { name: 'charge-creation-failed', at, actor: 'MERCHANT', charge };
}

/** The merchant cancels (DELETE): PENDING, DUE, RESERVED → CANCELLED; PARTIALLY_CAPTURED → CHARGED, the rest released. */
export function cancelCharge(c: Charge, key: string, now: Date): Result<{ charge: Charge }> {
  const at = now.toISOString();
  // The initial charge of a draft is taken or dropped with the agreement (accept, reject, expire, stop).
  if (c.type === 'INITIAL' && c.status === 'PENDING') return refuse(E.cannotCancel('PENDING (the initial charge of an agreement the user has not answered: stop the agreement instead)'));
  // The money is being taken right now: its result comes within the hour.
  if (c.status === 'PROCESSING') return refuse(E.cannotCancel('PROCESSING (an attempt is under way; try again once it has a result)'));
  if (c.status === 'PARTIALLY_CAPTURED') {
    const left = c.reserved - c.captured;
    const charge: Charge = { ...c, status: 'CHARGED', cancelled: c.cancelled + left, nextAt: null, history: [...c.history, { occurred: at, event: 'CANCEL', amount: left, idempotencyKey: key, success: true }] };
    return { ok: true, charge, events: [{ name: 'charge-canceled', at, actor: 'MERCHANT', charge }] };
  }
  const done = cancelOpen(c, at, 'MERCHANT', key);
  if (done.events.length === 0) return refuse(E.cannotCancel(c.status));
  return { ok: true, charge: done.charge, events: done.events };
}

export function captureCharge(c: Charge, amount: number, key: string, transactionId: string, now: Date): Result<{ charge: Charge }> {
  if (c.transactionType !== 'RESERVE_CAPTURE') return refuse(E.cannotCapture(c.status, 'Only RESERVE_CAPTURE charges can be captured.'));
  if (c.status !== 'RESERVED' && c.status !== 'PARTIALLY_CAPTURED') return refuse(E.cannotCapture(c.status));
  if (c.reservedAt && now.getTime() - Date.parse(c.reservedAt) > CAPTURE_DAYS * DAY_MS) return refuse(E.capturePeriodExpired());
  const left = c.reserved - c.captured - c.cancelled;
  if (amount > left) return refuse(E.captureTooHigh(amount, left));
  const at = now.toISOString();
  const captured = c.captured + amount;
  const partial = captured < c.reserved;
  const capturedAt = c.capturedAt ?? at;
  const charge: Charge = {
    ...c,
    status: partial ? 'PARTIALLY_CAPTURED' : 'CHARGED',
    captured,
    transactionId: c.transactionId ?? transactionId,
    capturedAt,
    // The rest of a partial capture is released by the calendar a few days on.
    nextAt: partial ? releaseAt(capturedAt) : null,
    history: [...c.history, { occurred: at, event: 'CAPTURE', amount, idempotencyKey: key, success: true }],
  };
  return { ok: true, charge, events: [{ name: 'charge-captured', at, actor: 'MERCHANT', charge }] };
}

export function refundCharge(c: Charge, amount: number, key: string, now: Date): Result<{ charge: Charge }> {
  if (c.status !== 'CHARGED' && c.status !== 'PARTIALLY_REFUNDED') return refuse(E.cannotRefund(c.status));
  if (c.capturedAt && now.getTime() - Date.parse(c.capturedAt) > REFUND_DAYS * DAY_MS) return refuse(E.refundPeriodExpired());
  const left = c.captured - c.refunded;
  if (amount > left) return refuse(E.refundTooHigh(amount, left));
  const at = now.toISOString();
  const refunded = c.refunded + amount;
  const charge: Charge = { ...c, status: refunded === c.captured ? 'REFUNDED' : 'PARTIALLY_REFUNDED', refunded, history: [...c.history, { occurred: at, event: 'REFUND', amount, idempotencyKey: key, success: true }] };
  return { ok: true, charge, events: [{ name: 'charge-refunded', at, actor: 'MERCHANT', charge }] };
}

/** Days between a due date and today (Oslo), for the app's "due in N days". */
export const daysUntil = (due: string, now: Date) => daysBetween(osloDate(now), due);
