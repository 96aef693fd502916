import type { Transaction } from 'kysely';
import type { DatabaseHandle } from '../../db/open.js';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../platform/clock.js';
import type { ConsentStore } from '../../platform/consents.js';
import { isConcurrentUpdate } from '../../platform/concurrency.js';
import { idempotency, requestHash, type IdempotencyScope } from '../../platform/idempotency.js';
import type { IdSource } from '../../platform/ids.js';
import type { Merchant } from '../../platform/merchants.js';
import type { TestUser, TestUsers } from '../../platform/test-users.js';
import type { MoneyMovements } from '../../platform/money-movements.js';
import type { MerchantCaller } from './callbacks.js';
import { paymentMovements } from './movements.js';
import {
  addressOf,
  checkForceApprove,
  checkInitiateRequest,
  checkMsn,
  checkRefundAmount,
  chooseShipping,
  decide,
  initiate,
  isOverdue,
  knownShippingOptions,
  landingToken,
  landingUrl,
  shippingFailure,
  userDetailsOf,
  type CallbackBody,
  type ChosenShipping,
  type Command,
  type Context,
  type EcomPayment,
  type ShippingOption,
} from './domain.js';
import { ecomErrors, type EcomError } from './errors.js';
import type { ActionRequest, CancelRequest, ForceApproveRequest, InitiateRequest } from './schemas.js';
import { ecomStore, type StoredEcomPayment } from './store.js';
import { cancelView, captureView, detailsView, refundView, statusView } from './views.js';

export type EcomReply = { status: number; body: unknown; error?: undefined } | { status: number; error: EcomError; body?: undefined };

/** Called in the command's transaction with the callback a change owes (the outbox). */
export type CallbackSink = (trx: Transaction<Database>, payment: EcomPayment, body: CallbackBody, seq: number) => Promise<void>;
/** Called in the command's transaction when a request reaches a user's app (skipLandingPage push). */
export type AppRequestSink = (trx: Transaction<Database>, payment: EcomPayment, phoneNumber: string) => Promise<void>;

export interface EcomDeps {
  database: DatabaseHandle;
  clock: Clock;
  ids: IdSource;
  users: TestUsers;
  /** Profile sharing: the user's sub for a sales unit; the consent given when approving a scope payment. */
  consents: ConsentStore;
  publicUrl: () => string;
  callbacks?: CallbackSink;
  pushToApp?: AppRequestSink;
  merchantCalls?: MerchantCaller;
  /** Captures and refunds, told in the command that made them (the settlement ledger). */
  movements?: MoneyMovements;
}

const fromError = (error: EcomError): EcomReply => ({ status: error.status, error });

/**
 * The eCom v2 commands. Each runs as one unit of the group-commit queue: load, decide (pure, in
 * domain.ts), write the payment, the owed callback and the idempotency record in one transaction.
 * This class holds no rules and no state of its own.
 */
export class EcomService {
  constructor(private readonly deps: EcomDeps) {}

  private ctx(): Context {
    return { now: this.deps.clock.now(), newTransactionId: this.deps.ids.eventPspReference };
  }

  /**
   * Runs a command through the queue. A lost optimistic race (another instance changed the
   * payment: ConcurrentUpdate from the store) rolls the command back and answers VippsError 94,
   * "order locked", for the merchant to retry with the same X-Request-Id (decision 76).
   */
  private async run(command: (trx: Transaction<Database>) => Promise<EcomReply>): Promise<EcomReply> {
    try {
      return await this.deps.database.commands.run(command);
    } catch (err) {
      if (isConcurrentUpdate(err)) return fromError(ecomErrors.orderLocked());
      throw err;
    }
  }

  landingUrl(p: Pick<EcomPayment, 'token' | 'isApp'>): string {
    return landingUrl(p, this.deps.publicUrl());
  }

  async initiate(merchant: Merchant, body: InitiateRequest): Promise<EcomReply> {
    const m = body.merchantInfo;
    const t = body.transaction;
    const checked = checkInitiateRequest(body, merchant.msn);
    if (!checked.ok) return fromError(checked.error);
    const { mobileNumber } = checked;
    const isApp = m.isApp === true;
    const token = landingToken(this.deps.ids.token(36));
    return this.run(async (trx) => {
      if (mobileNumber && !(await this.deps.users.find(`47${mobileNumber}`, trx))) return fromError(ecomErrors.unknownUser());
      const outcome = initiate(
        {
          msn: merchant.msn,
          orderId: t.orderId,
          amount: t.amount,
          transactionText: t.transactionText,
          paymentType: m.paymentType ?? 'eComm Regular Payment',
          callbackPrefix: m.callbackPrefix,
          fallBack: m.fallBack,
          ...(m.authToken === undefined ? {} : { authToken: m.authToken }),
          isApp,
          ...(m.shippingDetailsPrefix === undefined ? {} : { shippingDetailsPrefix: m.shippingDetailsPrefix }),
          ...(m.consentRemovalPrefix === undefined ? {} : { consentRemovalPrefix: m.consentRemovalPrefix }),
          ...(m.staticShippingDetails === undefined ? {} : { staticShippingDetails: m.staticShippingDetails }),
          useExplicitCheckoutFlow: t.useExplicitCheckoutFlow === true,
          ...(mobileNumber === undefined ? {} : { mobileNumber }),
          skipLandingPage: t.skipLandingPage === true,
          ...(t.scope === undefined ? {} : { scope: t.scope }),
          token,
          merchant: { allowSkipLandingPage: merchant.allowSkipLandingPage },
        },
        this.ctx(),
      );
      if (!outcome.ok) {
        // A taken orderId is reported before anything else about the request.
        return fromError((await ecomStore.load(trx, merchant.msn, t.orderId)) ? ecomErrors.duplicateOrderId(t.orderId) : outcome.error);
      }
      if (!(await ecomStore.insert(trx, outcome.payment, this.deps.clock.now()))) return fromError(ecomErrors.duplicateOrderId(t.orderId));
      if (outcome.payment.skipLandingPage && mobileNumber) {
        // The push goes out at once; the user then has the app's 5 minutes.
        await this.push(trx, { payment: outcome.payment, version: 1 }, `47${mobileNumber}`);
      }
      return { status: 200, body: { orderId: t.orderId, url: this.landingUrl(outcome.payment) } };
    });
  }

  async details(msn: string, orderId: string): Promise<EcomReply> {
    const stored = await this.current(msn, orderId);
    return stored ? { status: 200, body: detailsView(stored.payment) } : fromError(ecomErrors.orderNotFound(orderId));
  }

  async status(msn: string, orderId: string): Promise<EcomReply> {
    const stored = await this.current(msn, orderId);
    return stored ? { status: 200, body: statusView(stored.payment) } : fromError(ecomErrors.orderNotFound(orderId));
  }

  /** A payment by its landing-page token (the user side), expired first if its time is up. */
  async byToken(token: string): Promise<EcomPayment | undefined> {
    const stored = await ecomStore.loadByToken(this.deps.database.db, token);
    if (!stored) return undefined;
    if (!isOverdue(stored.payment, this.deps.clock.now())) return stored.payment;
    return (await this.current(stored.payment.msn, stored.payment.orderId))?.payment;
  }

  /** Payments with this orderId, of one merchant or of all (orderIds are unique per MSN only). */
  async byOrderId(orderId: string, msn?: string): Promise<EcomPayment[]> {
    const found = await ecomStore.byOrderId(this.deps.database.db, orderId, msn);
    return Promise.all(found.map(async (s) => (isOverdue(s.payment, this.deps.clock.now()) ? ((await this.current(s.payment.msn, orderId))?.payment ?? s.payment) : s.payment)));
  }

  capture(merchant: Merchant, orderId: string, body: ActionRequest, requestId: string | undefined): Promise<EcomReply> {
    const wrongMsn = checkMsn(body.merchantInfo.merchantSerialNumber, merchant.msn);
    if (wrongMsn) return Promise.resolve(fromError(wrongMsn));
    const command: Command = { type: 'capture', amount: body.transaction.amount ?? null, transactionText: body.transaction.transactionText, requestId: requestId ?? '' };
    return this.modify(merchant.msn, orderId, 'ecom-capture', body, requestId, command, captureView);
  }

  refund(merchant: Merchant, orderId: string, body: ActionRequest, requestId: string | undefined): Promise<EcomReply> {
    const refused = checkMsn(body.merchantInfo.merchantSerialNumber, merchant.msn) ?? checkRefundAmount(body.transaction.amount);
    if (refused) return Promise.resolve(fromError(refused));
    const command: Command = { type: 'refund', amount: body.transaction.amount ?? undefined, transactionText: body.transaction.transactionText, requestId: requestId ?? '' };
    return this.modify(merchant.msn, orderId, 'ecom-refund', body, requestId, command, refundView);
  }

  cancel(merchant: Merchant, orderId: string, body: CancelRequest, requestId: string | undefined): Promise<EcomReply> {
    const wrongMsn = checkMsn(body.merchantInfo.merchantSerialNumber, merchant.msn);
    if (wrongMsn) return Promise.resolve(fromError(wrongMsn));
    const command: Command = { type: 'cancel', transactionText: body.transaction.transactionText, releaseRemaining: body.shouldReleaseRemainingFunds === true, requestId: requestId ?? '' };
    return this.modify(merchant.msn, orderId, 'ecom-cancel', body, requestId, command, cancelView);
  }

  /** MT's integration-test approve (§2.7): as if the user approved in the app; test amounts do not apply. */
  forceApprove(merchant: Merchant, orderId: string, body: ForceApproveRequest, requestId: string | undefined): Promise<EcomReply> {
    const run = async (trx: Transaction<Database>): Promise<EcomReply> => {
      const stored = await this.load(trx, merchant.msn, orderId);
      if (!stored) return fromError(ecomErrors.orderNotFound(orderId));
      const p = stored.payment;
      const refused = checkForceApprove(p, body?.token);
      if (refused) return fromError(refused);
      const phone = body?.customerPhoneNumber ?? p.mobileNumber;
      const user = phone ? await this.deps.users.find(`47${phone}`, trx) : (await this.deps.users.list(trx))[0];
      if (!user) return fromError(ecomErrors.forceApproveUnknownUser());
      const directCapture = await ecomStore.directCapture(trx, merchant.msn);
      const result = await this.transition(trx, stored, { type: 'approve', user: userDetailsOf(p.msn, user, this.deps.consents.subject(p.msn, user)), directCapture });
      if ('error' in result) return fromError(result.error);
      await this.consented(trx, result, user);
      return { status: 200, body: undefined };
    };
    if (!requestId) return this.run(run);
    return this.idempotent({ msn: merchant.msn, operation: 'ecom-approve', reference: orderId, key: requestId }, body, run);
  }

  /** The user in the simulated app approves (with a shipping choice for express) or rejects. */
  userDecision(msn: string, orderId: string, decision: 'approve' | 'reject', phoneNumber: string, shipping?: ChosenShipping, before?: (trx: Transaction<Database>) => Promise<void>): Promise<EcomReply> {
    return this.run(async (trx) => {
      // What the caller records first (the request reaching the user's app), in the same transaction.
      if (before) await before(trx);
      const user = await this.deps.users.find(phoneNumber, trx);
      if (!user) return fromError(ecomErrors.unknownUser());
      const stored = await this.load(trx, msn, orderId);
      if (!stored) return fromError(ecomErrors.orderNotFound(orderId));
      const directCapture = decision === 'approve' && (await ecomStore.directCapture(trx, msn));
      const command: Command =
        decision === 'approve'
          ? { type: 'approve', user: userDetailsOf(msn, user, this.deps.consents.subject(msn, user)), directCapture, testAmounts: true, ...(shipping ? { shipping } : {}) }
          : { type: 'reject', phoneNumber };
      const result = await this.transition(trx, stored, command);
      if ('error' in result) return fromError(result.error);
      if (result.declined) return fromError(ecomErrors.testAmountDeclined(result.declined.reason, result.declined.message));
      if (decision === 'approve') await this.consented(trx, result, user);
      return { status: 200, body: detailsView(result.payment) };
    });
  }

  /** A scope payment the user approved: the consent, in the approving command (the Userinfo API reads it). */
  private async consented(trx: Transaction<Database>, result: { payment: EcomPayment; declined?: unknown }, user: TestUser): Promise<void> {
    const p = result.payment;
    if (result.declined || p.scope === undefined || p.sub === undefined) return;
    await this.deps.consents.grant(trx, { msn: p.msn, user, scope: p.scope, at: this.deps.clock.now() });
  }

  /** "Cancel" on the landing page: REJECTED, errorInfo 45 "User has not acted upon the payment". */
  cancelByUser(msn: string, orderId: string): Promise<EcomReply> {
    return this.run(async (trx) => {
      const stored = await this.load(trx, msn, orderId);
      if (!stored) return fromError(ecomErrors.orderNotFound(orderId));
      const result = await this.transition(trx, stored, { type: 'abandon', reason: 'landing' });
      return 'error' in result ? fromError(result.error) : { status: 200, body: detailsView(result.payment) };
    });
  }

  /** The request reached a user's app (landing page "continue", app switch): the second 5-minute window. */
  sentToApp(trx: Transaction<Database>, msn: string, orderId: string): Promise<EcomReply> {
    return (async () => {
      const stored = await this.load(trx, msn, orderId);
      if (!stored) return fromError(ecomErrors.orderNotFound(orderId));
      const result = await this.transition(trx, stored, { type: 'sentToApp' });
      return 'error' in result ? fromError(result.error) : { status: 200, body: undefined };
    })();
  }

  async directCapture(msn: string): Promise<boolean> {
    return ecomStore.directCapture(this.deps.database.db, msn);
  }

  setDirectCapture(msn: string, on: boolean): Promise<void> {
    return this.deps.database.commands.run((trx) => ecomStore.setDirectCapture(trx, msn, on));
  }

  /**
   * The shipping methods the user can choose from: the static ones, those already offered (kept in
   * the payment, so any instance can finish the choice), or the merchant's answer to the
   * shipping-details call (synchronous, 10 s), which is then kept. An error is what the app shows.
   */
  async shippingOptions(p: EcomPayment, user: TestUser): Promise<{ ok: true; options: ShippingOption[] } | { ok: false; message: string }> {
    const known = knownShippingOptions(p);
    if (known) return { ok: true, options: known };
    if (!this.deps.merchantCalls || !p.shippingDetailsPrefix) return { ok: false, message: 'No shipping methods found' };
    const r = await this.deps.merchantCalls.shippingDetails(p, addressOf(user));
    if (!r.ok) return { ok: false, message: shippingFailure(r.error) };
    return { ok: true, options: await this.offerShipping(p, r.value) };
  }

  /** Keeps what the merchant offered in the payment; the first offer stays (another instance may have been first). */
  private async offerShipping(p: EcomPayment, options: ShippingOption[]): Promise<ShippingOption[]> {
    try {
      return await this.deps.database.commands.run(async (trx) => {
        const stored = await this.load(trx, p.msn, p.orderId);
        if (!stored) return options;
        const result = await this.transition(trx, stored, { type: 'offerShipping', options });
        // Refused: the payment no longer waits for the user; what the merchant said is still what it said.
        return 'error' in result ? options : (result.payment.offeredShipping ?? options);
      });
    } catch (err) {
      // Changed by another instance meanwhile: show the answer; the next look keeps one.
      if (isConcurrentUpdate(err)) return options;
      throw err;
    }
  }

  /** The user's choice, priced from what was offered. */
  async chosenShipping(p: EcomPayment, user: TestUser, shippingMethodId: string | undefined): Promise<ChosenShipping | { error: string }> {
    const offered = await this.shippingOptions(p, user);
    if (!offered.ok) return { error: offered.message };
    return chooseShipping(offered.options, shippingMethodId, addressOf(user));
  }

  /** "Remove consent" in the app: DELETE consentRemovalPrefix/v2/consents/{userId}. */
  async removeConsent(p: EcomPayment): Promise<{ ok: boolean; message: string }> {
    if (!p.consentRemovalPrefix || !p.userDetails) return { ok: false, message: 'This merchant has no consent to remove.' };
    if (!this.deps.merchantCalls) return { ok: false, message: 'Merchant calls are not available.' };
    const r = await this.deps.merchantCalls.removeConsent(p, p.userDetails.userId);
    return r.ok ? { ok: true, message: `Consent removed: the merchant was told to delete your data (HTTP ${r.status}).` } : { ok: false, message: `The merchant did not confirm: ${r.error}.` };
  }

  /** Times out every INITIATE payment whose time is up (REJECTED callback, errorInfo 45). */
  async expireDue(): Promise<number> {
    const due = await ecomStore.dueForExpiry(this.deps.database.db, this.deps.clock.now());
    const results = await Promise.all(
      due.map(({ msn, order_id }) =>
        this.deps.database.commands
          .run(async (trx) => {
            const stored = await ecomStore.load(trx, msn, order_id);
            if (!stored) return false;
            return (await this.catchUp(trx, stored)) !== stored;
          })
          // Another instance timed it out (or changed it) first.
          .catch((err: unknown) => (isConcurrentUpdate(err) ? false : Promise.reject(err))),
      ),
    );
    return results.filter(Boolean).length;
  }

  private async current(msn: string, orderId: string): Promise<StoredEcomPayment | undefined> {
    const stored = await ecomStore.load(this.deps.database.db, msn, orderId);
    if (!stored || !isOverdue(stored.payment, this.deps.clock.now())) return stored;
    try {
      return await this.deps.database.commands.run((trx) => this.load(trx, msn, orderId));
    } catch (err) {
      if (!isConcurrentUpdate(err)) throw err;
      // Another instance timed it out (or changed it) first: show what it wrote.
      return ecomStore.load(this.deps.database.db, msn, orderId);
    }
  }

  /** Loads inside a command and times the payment out first if its time is up. */
  private async load(trx: Transaction<Database>, msn: string, orderId: string): Promise<StoredEcomPayment | undefined> {
    const stored = await ecomStore.load(trx, msn, orderId);
    return stored && this.catchUp(trx, stored);
  }

  private async catchUp(trx: Transaction<Database>, stored: StoredEcomPayment): Promise<StoredEcomPayment> {
    if (!isOverdue(stored.payment, this.deps.clock.now())) return stored;
    const result = await this.transition(trx, stored, { type: 'abandon', reason: 'timeout' });
    return 'error' in result ? stored : result.stored;
  }

  private async push(trx: Transaction<Database>, stored: StoredEcomPayment, phoneNumber: string) {
    const result = await this.transition(trx, stored, { type: 'sentToApp' });
    if (!('error' in result)) await this.deps.pushToApp?.(trx, result.payment, phoneNumber);
  }

  private async transition(
    trx: Transaction<Database>,
    stored: StoredEcomPayment,
    command: Command,
  ): Promise<{ payment: EcomPayment; stored: StoredEcomPayment; declined?: { reason: string; message: string } } | { error: EcomError }> {
    const outcome = decide(stored.payment, command, this.ctx());
    if (!outcome.ok) return { error: outcome.error };
    // Nothing changed (an offer of shipping when one is kept already): nothing to write.
    const next = outcome.payment === stored.payment ? stored : await ecomStore.update(trx, stored, outcome.payment, this.deps.clock.now());
    if (outcome.callback && this.deps.callbacks) await this.deps.callbacks(trx, outcome.payment, outcome.callback, next.version);
    if (next !== stored) await this.deps.movements?.record(trx, paymentMovements(stored.payment, outcome.payment, this.deps.clock.now().toISOString()));
    return { payment: outcome.payment, stored: next, ...(outcome.declined ? { declined: outcome.declined } : {}) };
  }

  private modify(msn: string, orderId: string, operation: string, body: unknown, requestId: string | undefined, command: Command, view: (p: EcomPayment) => unknown): Promise<EcomReply> {
    const run = async (trx: Transaction<Database>): Promise<EcomReply> => {
      const stored = await this.load(trx, msn, orderId);
      if (!stored) return fromError(ecomErrors.orderNotFound(orderId));
      const result = await this.transition(trx, stored, command);
      return 'error' in result ? fromError(result.error) : { status: 200, body: view(result.payment) };
    };
    if (!requestId) return this.run(run);
    return this.idempotent({ msn, operation, reference: orderId, key: requestId }, body, run);
  }

  /** Runs a command once per X-Request-Id (per MSN, orderId and endpoint): a retry gets the first answer. */
  private idempotent(scope: IdempotencyScope, body: unknown, run: (trx: Transaction<Database>) => Promise<EcomReply>): Promise<EcomReply> {
    const hash = requestHash(body);
    return this.run(async (trx) => {
      const previous = await idempotency.find(trx, scope);
      if (previous) {
        if (previous.requestHash !== hash) return fromError(ecomErrors.idempotencyConflict(scope.key));
        return previous.status >= 400 ? { status: previous.status, error: previous.body as EcomError } : { status: previous.status, body: previous.body };
      }
      const reply = await run(trx);
      if (reply.status < 500) await idempotency.store(trx, scope, { requestHash: hash, status: reply.status, body: reply.error ?? reply.body ?? null }, this.deps.clock.now());
      return reply;
    });
  }
}
