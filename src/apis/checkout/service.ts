/**
 * The Checkout commands: each loads, decides (domain.ts), stores and enqueues in one command.
 * The session's payment is made by the platform's payment issuer (ePayment) inside the same
 * command, and its changes come back through the port's listener inside the issuer's commands.
 */
import type { Transaction } from 'kysely';
import { SignJWT } from 'jose';
import type { DatabaseHandle } from '../../db/open.js';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../platform/clock.js';
import { isConcurrentUpdate } from '../../platform/concurrency.js';
import type { IdSource } from '../../platform/ids.js';
import type { MerchantHttp } from '../../platform/merchant-http.js';
import type { OrderDetailsPort, ReceiptInput } from '../../platform/order-details.js';
import type { CardOutcome, IssuedPayment, PaymentPort } from '../../platform/payment-port.js';
import { dynamicOptions } from './callbacks.js';
import * as domain from './domain.js';
import type { Customer, Outcome, Session } from './domain.js';
import { checkoutErrors, type CheckoutError } from './errors.js';
import type { InitiateSessionRequest, SessionResponse } from './schemas.js';
import { sessionStore, type StoredSession } from './store.js';
import { sessionView } from './views.js';

export const CHECKOUT_OWNER = 'checkout';

export interface CheckoutDeps {
  database: DatabaseHandle;
  clock: Clock;
  ids: IdSource;
  payments: PaymentPort;
  orderDetails: OrderDetailsPort;
  merchantHttp: MerchantHttp;
  publicUrl: () => string;
  /** Writes the notification a session's end owes, in the command's transaction. */
  notify: (trx: Transaction<Database>, s: Session, body: SessionResponse, seq: number) => Promise<void>;
}

export type Reply<T> = { ok: true; value: T } | { ok: false; error: CheckoutError };

/** The page's path, under which the hosted checkout is served (`checkoutFrontendUrl`). */
export const FRONTEND_PATH = '/vippscheckout/v1/';

/** Thrown inside a command to undo it and answer `error`. */
class RolledBack extends Error {
  constructor(readonly error: CheckoutError) {
    super(error.detail);
  }
}

const busy = (): CheckoutError => ({ status: 409, title: 'Conflict', detail: 'The session was changed by another request meanwhile; try again.', errorCode: 'Session-00400' });

export class CheckoutService {
  constructor(private readonly deps: CheckoutDeps) {}

  private now() {
    return this.deps.clock.now();
  }

  private async run<T>(command: (trx: Transaction<Database>) => Promise<Reply<T>>): Promise<Reply<T>> {
    try {
      return await this.deps.database.commands.run(command);
    } catch (err) {
      if (isConcurrentUpdate(err)) return { ok: false, error: busy() };
      if (err instanceof RolledBack) return { ok: false, error: err.error };
      throw err;
    }
  }

  async create(msn: string, body: InitiateSessionRequest): Promise<Reply<{ token: string; checkoutFrontendUrl: string; pollingUrl: string }>> {
    const base = this.deps.publicUrl();
    const sessionId = this.deps.ids.token(16);
    const pollingUrl = `${base}/checkout/v3/session/${encodeURIComponent(body.transaction.reference)}`;
    // The token the page is opened with: a JWT of {sessionId, sessionPollingURL}, as the real one.
    // Signed with a throwaway key: the emulator finds the session by its id and compares the token.
    const token = await new SignJWT({ sessionId, sessionPollingURL: pollingUrl })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(new Uint8Array(Buffer.from(this.deps.ids.token(32))));
    const outcome = domain.create({ msn, body, sessionId, token, now: this.now() });
    if (!outcome.ok) return outcome;
    // The session's payment will carry the same reference: one the sales unit's payments already use is taken.
    if (await this.deps.payments.issuer().get(msn, body.transaction.reference)) return { ok: false, error: checkoutErrors.referenceTaken(body.transaction.reference) };
    return this.run(async (trx) => {
      if (!(await sessionStore.insert(trx, outcome.session))) return { ok: false, error: checkoutErrors.referenceTaken(body.transaction.reference) };
      return { ok: true, value: { token, checkoutFrontendUrl: `${base}${FRONTEND_PATH}`, pollingUrl } };
    });
  }

  async get(msn: string, reference: string): Promise<Reply<SessionResponse>> {
    let stored = await sessionStore.load(this.deps.database.db, msn, reference);
    if (stored && stored.session.state === 'SessionCreated' && this.now().getTime() >= Date.parse(stored.session.expiresAt)) {
      await this.expireOne(msn, reference);
      stored = await sessionStore.load(this.deps.database.db, msn, reference);
    }
    if (!stored) return { ok: false, error: checkoutErrors.notFound(reference) };
    return { ok: true, value: await this.view(stored.session) };
  }

  /** The session and its payment as the API shows them. */
  async view(s: Session): Promise<SessionResponse> {
    const payment = s.state === 'SessionCreated' || s.state === 'SessionExpired' ? undefined : await this.deps.payments.issuer().get(s.msn, s.reference);
    return sessionView(s, payment);
  }

  /** The session behind the page's token (the JWT, or the bare session id). */
  async byToken(token: string): Promise<Session | undefined> {
    const sessionId = sessionIdOf(token);
    if (!sessionId) return undefined;
    const stored = await sessionStore.bySessionId(this.deps.database.db, sessionId);
    if (!stored || (token !== sessionId && stored.session.token !== token)) return undefined;
    if (stored.session.state === 'SessionCreated' && this.now().getTime() >= Date.parse(stored.session.expiresAt)) {
      await this.expireOne(stored.session.msn, stored.session.reference);
      return (await sessionStore.bySessionId(this.deps.database.db, sessionId))?.session;
    }
    return stored.session;
  }

  async payment(s: Session): Promise<IssuedPayment | undefined> {
    return this.deps.payments.issuer().get(s.msn, s.reference);
  }

  /** One step of the user's on the page, as its own command. */
  private step(s: Session, decide: (current: Session) => Outcome): Promise<Reply<Session>> {
    return this.run(async (trx) => {
      const stored = await sessionStore.load(trx, s.msn, s.reference);
      if (!stored) return { ok: false, error: checkoutErrors.notFound(s.reference) };
      const outcome = decide(stored.session);
      if (!outcome.ok) return outcome;
      await sessionStore.update(trx, stored, outcome.session, this.now());
      return { ok: true, value: outcome.session };
    });
  }

  /**
   * The contact details (and address): stored, then the merchant's dynamic options are asked for
   * (outside any command: the merchant may take 8 s) and the offer is stored.
   */
  async setCustomer(s: Session, customer: Customer): Promise<Reply<Session> & { dynamicError?: string }> {
    const set = await this.step(s, (current) => domain.setCustomer(current, customer, this.now()));
    if (!set.ok || !domain.hasLogistics(set.value)) return set;
    const dynamic = await dynamicOptions(this.deps.merchantHttp, set.value, customer);
    const offered = await this.step(set.value, (current) => domain.offerShipping(current, dynamic.options, this.now()));
    return dynamic.error ? { ...offered, dynamicError: dynamic.error } : offered;
  }

  chooseShipping(s: Session, methodId: string): Promise<Reply<Session>> {
    return this.step(s, (current) => domain.chooseShipping(current, methodId, this.now()));
  }

  /**
   * "Pay": the session moves to PaymentInitiated and its ePayment payment is made, in one command;
   * the order summary (with shipping as a line of its own) goes to Order Management as the receipt.
   */
  pay(s: Session, method: 'Wallet' | 'Card', consent: boolean, phoneNumber: string | undefined): Promise<Reply<{ session: Session; payment: IssuedPayment }>> {
    return this.run(async (trx) => {
      const stored = await sessionStore.load(trx, s.msn, s.reference);
      if (!stored) return { ok: false, error: checkoutErrors.notFound(s.reference) };
      const outcome = domain.startPayment(stored.session, method, consent, this.now());
      if (!outcome.ok) return outcome;
      const next = outcome.session;
      // First the session (PaymentInitiated): the payment's CREATED comes back to the listener inside `issue`.
      await sessionStore.update(trx, stored, next, this.now());
      const issued = await this.deps.payments.issuer().issue(
        trx,
        {
          owner: CHECKOUT_OWNER,
          msn: next.msn,
          reference: next.reference,
          amount: domain.totalOf(next),
          description: next.paymentDescription,
          returnUrl: `${this.deps.publicUrl()}${FRONTEND_PATH}?token=${encodeURIComponent(next.token)}`,
          method: method === 'Card' ? 'CARD' : 'WALLET',
          ...(phoneNumber ? { phoneNumber } : {}),
          ...(next.configuration.requireUserInfo ? { profileScope: 'email' } : {}),
          flow: next.configuration.userFlow,
          customerInteraction: next.configuration.customerInteraction,
        },
        this.deps.ids.uuid(),
      );
      // Refused: the whole command rolls back (the session stays as it was).
      if (!issued.ok) throw new RolledBack(checkoutErrors.paymentRefused(issued.status, issued.title, issued.detail));
      if (next.orderSummary) await this.deps.orderDetails.attachReceipt(trx, { msn: next.msn, orderId: next.reference }, receiptOf(next));
      return { ok: true, value: { session: next, payment: issued.payment } };
    });
  }

  /** A test card on the page: the issuer authorizes or logs a declined attempt; the listener ends the session. */
  payByCard(s: Session, outcome: CardOutcome) {
    return this.deps.payments.issuer().payByCard(s.msn, s.reference, outcome);
  }

  /** "Cancel payment" on the page while the payment waits: the payment is aborted, the session ends. */
  abort(s: Session) {
    return this.deps.payments.issuer().abort(s.msn, s.reference);
  }

  /** The port's listener: the session's payment changed, inside the issuer's command. */
  async paymentChanged(trx: Transaction<Database>, payment: IssuedPayment): Promise<void> {
    const stored = await sessionStore.load(trx, payment.msn, payment.reference);
    if (!stored) return;
    const outcome = domain.paymentChanged(stored.session, payment, this.now());
    // Nothing of the session's own changed (a capture, the payment's creation): no write, so the
    // payment's command never waits on (or races) the session's row.
    if (!outcome.ok || outcome.session === stored.session) return;
    const saved = await sessionStore.update(trx, stored, outcome.session, this.now());
    if (outcome.notify) await this.deps.notify(trx, saved.session, sessionView(saved.session, payment), saved.version);
  }

  /** Sessions nobody paid within the hour: SessionExpired, and the merchant is told. */
  async expireDue(): Promise<number> {
    const due = await sessionStore.dueForExpiry(this.deps.database.db, this.now());
    let n = 0;
    for (const { msn, reference } of due) if (await this.expireOne(msn, reference)) n += 1;
    return n;
  }

  private async expireOne(msn: string, reference: string): Promise<boolean> {
    try {
      return await this.deps.database.commands.run(async (trx) => {
        const stored = await sessionStore.load(trx, msn, reference);
        if (!stored) return false;
        const outcome = domain.expire(stored.session, this.now());
        if (!outcome.ok || !outcome.notify) return false;
        const saved = await sessionStore.update(trx, stored, outcome.session, this.now());
        await this.deps.notify(trx, saved.session, sessionView(saved.session, undefined), saved.version);
        return true;
      });
    } catch (err) {
      if (isConcurrentUpdate(err)) return false; // another instance expired it first
      throw err;
    }
  }
}

/** The session id a page token names: the JWT's `sessionId`, or the id itself. */
export function sessionIdOf(token: string): string | undefined {
  if (/^[A-Za-z0-9_-]{16,40}$/.test(token)) return token;
  const parts = token.split('.');
  if (parts.length !== 3 || token.length > 4096) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { sessionId?: unknown };
    return typeof payload.sessionId === 'string' && /^[A-Za-z0-9_-]{16,40}$/.test(payload.sessionId) ? payload.sessionId : undefined;
  } catch {
    return undefined;
  }
}

/** The order summary as a receipt; non-free shipping becomes a line of its own (CO-G). */
export function receiptOf(s: Session): ReceiptInput {
  const summary = s.orderSummary!;
  const lines: ReceiptInput['lines'] = summary.orderLines.map((l) => ({
    id: l.id,
    name: l.name,
    totalAmount: l.totalAmount,
    totalAmountExcludingTax: l.totalAmountExcludingTax,
    totalTaxAmount: l.totalTaxAmount,
    ...(l.taxPercentage === undefined ? {} : { taxPercentage: l.taxPercentage }),
    ...(l.taxRate === undefined ? {} : { taxRate: l.taxRate }),
    ...(l.discount == null ? {} : { discount: l.discount }),
    ...(l.isReturn == null ? {} : { isReturn: l.isReturn }),
    ...(l.isShipping == null ? {} : { isShipping: l.isShipping }),
    ...(l.productUrl == null ? {} : { productUrl: l.productUrl }),
    ...(l.unitInfo ? { unitInfo: { unitPrice: l.unitInfo.unitPrice, quantity: l.unitInfo.quantity, quantityUnit: l.unitInfo.quantityUnit } } : {}),
  }));
  if (s.shipping && s.shipping.amount.value > 0 && !lines.some((l) => l.isShipping)) {
    // Norwegian VAT on shipping follows the goods; 25 % is the common case (our assumption).
    const excl = Math.round(s.shipping.amount.value / 1.25);
    lines.push({ id: `shipping-${s.shipping.methodId}`.slice(0, 255), name: s.shipping.title, totalAmount: s.shipping.amount.value, totalAmountExcludingTax: excl, totalTaxAmount: s.shipping.amount.value - excl, taxPercentage: 25, isShipping: true });
  }
  const b = summary.orderBottomLine;
  return { currency: b.currency, lines, ...(b.receiptNumber ? { receiptNumber: b.receiptNumber } : {}), ...(b.tipAmount != null ? { tipAmount: b.tipAmount } : {}) };
}

export type { StoredSession };
