/**
 * Payments made on behalf of another module. A Checkout session's payment is an ePayment payment
 * (the merchant captures, refunds and cancels it over the ePayment API, its events become webhooks),
 * yet no API imports another: the payment API *issues* payments through this port (ePayment
 * registers itself as the issuer in its start) and the module that asked for one *listens* to its
 * changes by its own name. Changes are told inside the issuer's command transaction, so what a
 * listener writes (a session's state, a callback owed) commits with the payment's change.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

export type IssuedState = 'CREATED' | 'AUTHORIZED' | 'ABORTED' | 'EXPIRED' | 'TERMINATED';

/** What a module asks the payment API for. */
export interface PaymentOrder {
  /** The module that owns the payment's purpose: it is told of every change. */
  owner: string;
  msn: string;
  reference: string;
  amount: { currency: string; value: number };
  description: string;
  /** Where the browser goes after the user acted in the app (the landing page's return). */
  returnUrl: string;
  method: 'WALLET' | 'CARD';
  /** The customer's MSISDN, pre-filled on the landing page. */
  phoneNumber?: string;
  /** The user's profile data the merchant asks to share (space-separated scopes). */
  profileScope?: string;
  /** The landing page in a browser (default), or the switch to the app (the shop is an app itself). */
  flow?: 'WEB_REDIRECT' | 'NATIVE_REDIRECT';
  customerInteraction?: 'CUSTOMER_PRESENT' | 'CUSTOMER_NOT_PRESENT';
}

/** A payment as the port shows it, whatever the issuer calls its fields. */
export interface IssuedPayment {
  owner?: string;
  msn: string;
  reference: string;
  state: IssuedState;
  method: 'WALLET' | 'CARD';
  amount: { currency: string; value: number };
  aggregate: { authorized: number; captured: number; refunded: number; cancelled: number };
  /** The landing page of the payment (Vipps app flow). */
  landingUrl?: string;
  /** The user who approved or rejected, and the sales unit's `sub` for them (profile sharing). */
  phoneNumber?: string;
  sub?: string;
  /** The last failed attempt (a declined card, a test amount): the payment still waits. */
  lastDecline?: { reason: string; message: string };
}

export type IssueResult = { ok: true; payment: IssuedPayment } | { ok: false; status: number; title: string; detail: string };
export type CardOutcome = { kind: 'approve' } | { kind: 'decline'; reason: string; message: string };
export type ActResult = { ok: true; payment: IssuedPayment } | { ok: false; status: number; message: string };

/** What the payment API gives the port. */
export interface PaymentIssuer {
  /** Creates the payment inside the caller's command (its transaction), or refuses it. */
  issue(trx: Transaction<Database>, order: PaymentOrder, idempotencyKey: string): Promise<IssueResult>;
  /** The payment as it is now (outside a command: a payment past its time reads as expired). */
  get(msn: string, reference: string): Promise<IssuedPayment | undefined>;
  /** A card payment paid on the owner's page: authorized, or a declined attempt (the payment waits). */
  payByCard(msn: string, reference: string, outcome: CardOutcome): Promise<ActResult>;
  /** The user gives up on the owner's page before paying (ABORTED). */
  abort(msn: string, reference: string): Promise<ActResult>;
}

export type PaymentListener = (trx: Transaction<Database>, payment: IssuedPayment) => Promise<void>;

export class PaymentPort {
  private current: PaymentIssuer | undefined;
  private readonly listeners = new Map<string, PaymentListener>();

  /** Called by the payment API's module in its start. */
  provide(issuer: PaymentIssuer): void {
    if (this.current) throw new Error('a payment issuer is already registered');
    this.current = issuer;
  }

  issuer(): PaymentIssuer {
    if (!this.current) throw new Error('no payment API registered as payment issuer');
    return this.current;
  }

  /** Called by an owning module in its start: its payments' changes. */
  listen(owner: string, listener: PaymentListener): void {
    if (this.listeners.has(owner)) throw new Error(`payment listener ${owner} registered twice`);
    this.listeners.set(owner, listener);
  }

  /** Called by the issuer inside the command that changed an owned payment. */
  async changed(trx: Transaction<Database>, payment: IssuedPayment): Promise<void> {
    if (payment.owner === undefined) return;
    await this.listeners.get(payment.owner)?.(trx, payment);
  }
}
