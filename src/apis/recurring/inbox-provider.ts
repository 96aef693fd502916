/**
 * Recurring on the user side: agreements as the pages' neutral view (with the `agreement`
 * capability), and the user's actions on them — accept with the PIN (the initial charge is taken),
 * reject, cancel on the landing page, stop an active one — through the user inbox's provider
 * interface (src/platform/user-inbox.ts).
 */
import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { inboxStore, type AgreementCharge, type PaymentRequestProvider, type PaymentRequestView, type RequestState, type UserActionResult, type UserInbox } from '../../platform/user-inbox.js';
import { intervalText, kroner, visibleAt } from './calendar.js';
import type { Agreement, Charge, ChargeStatus } from './domain.js';
import type { RecurringProblem } from './errors.js';
import type { RecurringService, Reply } from './service.js';

export const RECURRING_INBOX = 'recurring';
const PREFIX = 'recurring/';
export const inboxKey = (a: Pick<Agreement, 'msn' | 'id'>) => ({ msn: a.msn, key: `${PREFIX}${a.id}` });

function stateOf(a: Agreement): RequestState {
  switch (a.status) {
    case 'PENDING':
      return 'CREATED';
    case 'ACTIVE':
      return 'AUTHORIZED';
    case 'EXPIRED':
      return 'EXPIRED';
    case 'STOPPED':
      // Rejected before it started, or ended after it ran.
      return a.start === null ? 'ABORTED' : 'TERMINATED';
  }
}

const APP_STATUS: Record<Exclude<ChargeStatus, 'PENDING'>, AgreementCharge['status']> = {
  DUE: 'upcoming',
  PROCESSING: 'processing',
  RESERVED: 'reserved',
  PARTIALLY_CAPTURED: 'charged',
  CHARGED: 'charged',
  PARTIALLY_REFUNDED: 'refunded',
  REFUNDED: 'refunded',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
};

/** What the app tells the user when a charge has failed for good. */
const FINAL_FAILURE: Record<string, string> = {
  user_action_required: 'the card could not be charged (insufficient funds or a card problem)',
  charge_amount_too_high: 'the amount is above the limit you set for this agreement',
  technical_error: 'a technical error stopped the payment',
  non_technical_error: 'the payment could not be made',
};

/**
 * The charges the user sees in the app (reference A4.3: a PENDING charge is not visible yet; it
 * is from DUE on). A cancelled one is shown if it had been visible: cancelled once it was due soon
 * (`visibleAt`). Upcoming first (soonest), then the rest (latest first).
 */
export function appCharges(charges: readonly Charge[]): AgreementCharge[] {
  const seen = charges.filter((c) => {
    if (c.status === 'PENDING') return false;
    if (c.status !== 'CANCELLED' || c.type === 'INITIAL') return true;
    const cancelledAt = c.history.findLast((h) => h.event === 'CANCEL')?.occurred ?? c.created;
    return cancelledAt >= visibleAt(c.due);
  });
  const open = (c: Charge) => c.status === 'DUE' || c.status === 'PROCESSING';
  const ordered = [...seen.filter(open).sort((x, y) => x.due.localeCompare(y.due)), ...seen.filter((c) => !open(c)).sort((x, y) => y.due.localeCompare(x.due) || y.created.localeCompare(x.created))];
  return ordered.map((c) => ({
    id: c.id,
    description: c.description,
    amount: { currency: c.currency, value: c.amount },
    due: c.due,
    status: APP_STATUS[c.status as Exclude<ChargeStatus, 'PENDING'>],
    failedAttempts: c.history.filter((h) => h.event === 'FAIL').map((h) => h.occurred),
    ...(c.status === 'DUE' && c.attempts > 0 && c.nextAt ? { nextAttempt: c.nextAt } : {}),
    ...(c.status === 'FAILED' && c.failureReason ? { failure: FINAL_FAILURE[c.failureReason] ?? c.failureReason } : {}),
  }));
}

export function agreementRequestView(a: Agreement, charges?: readonly Charge[]): PaymentRequestView {
  const every = intervalText(a.interval.unit, a.interval.count);
  const price = a.pricing.type === 'LEGACY' ? `${kroner(a.pricing.amount)} ${every}` : `up to ${kroner(a.pricing.maxAmount)} ${every}`;
  const amount = a.initial?.amount ?? (a.pricing.type === 'LEGACY' ? a.pricing.amount : a.pricing.maxAmount);
  return {
    api: RECURRING_INBOX,
    key: inboxKey(a).key,
    msn: a.msn,
    reference: a.id,
    state: stateOf(a),
    amount: { currency: 'NOK', value: amount },
    description: a.productName,
    expiresAt: a.expiresAt,
    token: a.token,
    returnUrl: a.merchantRedirectUrl,
    flow: a.skipLandingPage ? 'PUSH_MESSAGE' : a.isApp ? 'NATIVE_REDIRECT' : 'WEB_REDIRECT',
    ...(a.phoneNumber === undefined ? {} : { customerPhoneNumber: a.phoneNumber }),
    agreement: {
      productName: a.productName,
      ...(a.productDescription === undefined ? {} : { productDescription: a.productDescription }),
      price,
      ...(a.campaign ? { campaign: a.campaign.explanation } : {}),
      ...(a.initial ? { initialCharge: { amount: { currency: 'NOK', value: a.initial.amount }, description: a.initial.description } } : {}),
      manageUrl: a.merchantAgreementUrl,
      ...(a.status === 'STOPPED' && a.start !== null ? { stopped: true as const } : {}),
      ...(charges ? { charges: appCharges(charges) } : {}),
    },
  };
}

const refused = (p: RecurringProblem): UserActionResult => ({ ok: false, status: p.status, message: `${p.title}. ${p.detail}` });
const done = (r: Reply): UserActionResult => (r.problem ? refused(r.problem) : { ok: true });
const FAILURE_TEXT: Record<string, string> = {
  user_action_required: 'The card could not be charged (insufficient funds or a card problem): the agreement was not started.',
  charge_amount_too_high: 'The amount is above your limit: the agreement was not started.',
  technical_error: 'A technical error stopped the payment: the agreement was not started.',
  non_technical_error: 'The payment could not be made: the agreement was not started.',
};

/** The provider Recurring registers with the inbox. */
export function agreementRequests(recurring: RecurringService): PaymentRequestProvider {
  const idOf = (view: PaymentRequestView) => view.key.slice(PREFIX.length);
  return {
    name: RECURRING_INBOX,
    keyPrefix: PREFIX,

    async byToken(token) {
      if (!token.startsWith('rcr_')) return undefined;
      const a = await recurring.byToken(token);
      return a && agreementRequestView(a);
    },

    async load(keys) {
      const agreements = await recurring.loadMany(keys.map((k) => ({ msn: k.msn, id: k.key.slice(PREFIX.length) })));
      // The app shows the charges of agreements that have started (accepted, maybe stopped since).
      const charges = await recurring.chargesOf(agreements.filter((a) => a.start !== null));
      return agreements.map((a) => agreementRequestView(a, charges.get(`${a.msn}/${a.id}`)));
    },

    async decide(view, decision, user) {
      const r = await recurring.userAction(view.msn, idOf(view), user.phoneNumber, decision === 'approve' ? { kind: 'accept', testAmounts: true } : { kind: 'reject' });
      if (r.declined) return { ok: false, status: 402, message: `Payment failed: ${FAILURE_TEXT[r.declined] ?? r.declined}` };
      return done(r);
    },

    async cancel(view) {
      return done(await recurring.cancelFromLanding(view.msn, idOf(view)));
    },

    async stop(view, user) {
      return done(await recurring.userAction(view.msn, idOf(view), user.phoneNumber, { kind: 'stop' }));
    },

    // The user deleted their profile: their agreements stop (R-GUIDE 2026; the webhook's actor is ADMIN).
    async userDeleted(trx, phoneNumber) {
      await recurring.stopAllOfUser(trx, phoneNumber);
    },
  };
}

/**
 * Called in the command that drafts an agreement or changes its status: a draft with
 * skipLandingPage goes straight to the user's app (push); an agreement accepted or rejected without
 * the app (force accept, control API) is put into that user's app too, so that the app lists it.
 */
export function agreementsToInbox(inbox: UserInbox) {
  return async (trx: Transaction<Database>, a: Agreement): Promise<void> => {
    const at = inboxKey(a);
    if (a.status === 'PENDING') {
      if (a.skipLandingPage && a.phoneNumber) await inbox.deliver(trx, at, a.phoneNumber, 'PUSH_MESSAGE');
      return;
    }
    if (a.userPhoneNumber && (await inboxStore.recipient(trx, at)) !== a.userPhoneNumber) await inbox.deliver(trx, at, a.userPhoneNumber, 'CONTROL_API');
  };
}
