import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { DatabaseHandle } from '../../db/open.js';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../platform/clock.js';
import { idempotency, requestHash, type IdempotencyScope } from '../../platform/idempotency.js';
import type { IdSource } from '../../platform/ids.js';
import type { Merchant } from '../../platform/merchants.js';
import type { TestUser, TestUsers } from '../../platform/test-users.js';
import { isAllowedMerchantUrl } from '../../platform/url-policy.js';
import { sortOptions, type MerchantCaller } from './callbacks.js';
import { decide, initiate, isExpress, isOverdue, type CallbackBody, type ChosenShipping, type Command, type Context, type EcomPayment, type EcomUserDetails, type ShippingOption } from './domain.js';
import { EcomErrorThrown, ecomErrors, type EcomError } from './errors.js';
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
  publicUrl: () => string;
  callbacks?: CallbackSink;
  pushToApp?: AppRequestSink;
  merchantCalls?: MerchantCaller;
}

const fromError = (error: EcomError): EcomReply => ({ status: error.status, error });

/** The fixed prefix of our landing-page tokens: base64url of a JWT header, like MT's `eyJraWQiOiJqd3RrZXki...`. */
const TOKEN_HEADER = Buffer.from('{"kid":"jwtkey","alg":"RS256"}').toString('base64url');

/** An 8-digit Norwegian number from what merchants send (+47, 0047, spaces): the documented repair. */
export function repairMobileNumber(raw: string): string | undefined {
  let digits = raw.replace(/[\s-]/g, '');
  if (digits.startsWith('+47')) digits = digits.slice(3);
  else if (digits.startsWith('0047')) digits = digits.slice(4);
  else if (digits.length === 10 && digits.startsWith('47')) digits = digits.slice(2);
  return /^\d{8}$/.test(digits) ? digits : undefined;
}

/** The user's stable id towards one merchant: base64 like the documented `uiJskNQ6qNN1iwN891uuob==`. */
export function userIdFor(msn: string, sub: string): string {
  return createHash('sha256').update(`${msn}:${sub}`).digest().subarray(0, 16).toString('base64');
}

export function userDetailsOf(msn: string, user: TestUser): EcomUserDetails & { phoneNumber: string; sub: string } {
  return {
    email: user.email,
    firstName: user.givenName,
    lastName: user.familyName,
    mobileNumber: user.phoneNumber.slice(-8),
    userId: userIdFor(msn, user.sub),
    phoneNumber: user.phoneNumber,
    sub: user.sub,
  };
}

/** The user's address as Vipps sends it to the shipping-details endpoint (addressId ≥ 100). */
export function addressOf(user: TestUser) {
  const addressId = 100 + (parseInt(createHash('sha256').update(user.sub).digest('hex').slice(0, 6), 16) % 900_000);
  return { addressId, addressLine1: user.address.streetAddress, city: user.address.city, postCode: user.address.postalCode };
}

/**
 * The eCom v2 commands. Each runs as one unit of the group-commit queue: load, decide (pure),
 * write the payment, the owed callback and the idempotency record in one transaction.
 */
export class EcomService {
  /** Shipping options last offered per payment token (the app shows them, then the user picks one). */
  private readonly offered = new Map<string, ShippingOption[]>();

  constructor(private readonly deps: EcomDeps) {}

  private ctx(): Context {
    return { now: this.deps.clock.now(), newTransactionId: this.deps.ids.eventPspReference };
  }

  landingUrl(p: Pick<EcomPayment, 'token' | 'isApp'>): string {
    if (p.isApp) return `vippsMT://?token=${p.token}`;
    return `${this.deps.publicUrl()}/dwo-api-application/v1/deeplink/vippsgateway?v=2&token=${p.token}`;
  }

  async initiate(merchant: Merchant, body: InitiateRequest): Promise<EcomReply> {
    const m = body.merchantInfo;
    const t = body.transaction;
    if (m.merchantSerialNumber !== merchant.msn) return fromError(ecomErrors.invalidMsn(m.merchantSerialNumber));
    const isApp = m.isApp === true;
    if (!isValidCallbackUrl(m.callbackPrefix)) return fromError(ecomErrors.invalidField('merchantInfo.callbackPrefix', 'callbackPrefix must be a valid HTTPS URL (http://localhost and http://127.0.0.1 are accepted by the emulator).'));
    if (!isApp && !isValidFallBack(m.fallBack)) return fromError(ecomErrors.invalidField('merchantInfo.fallBack', 'fallBack must be a valid HTTPS URL or a custom URL scheme (http://localhost and http://127.0.0.1 are accepted by the emulator).'));
    for (const key of ['shippingDetailsPrefix', 'consentRemovalPrefix'] as const) {
      const url = m[key];
      if (url !== undefined && !isValidCallbackUrl(url)) return fromError(ecomErrors.invalidField(`merchantInfo.${key}`, `${key} must be a valid HTTPS URL.`));
    }
    let mobileNumber: string | undefined;
    if (body.customerInfo.mobileNumber !== undefined && body.customerInfo.mobileNumber !== '') {
      mobileNumber = repairMobileNumber(body.customerInfo.mobileNumber);
      if (!mobileNumber) return fromError(ecomErrors.unknownUser());
    }
    const token = `${TOKEN_HEADER}${this.deps.ids.token(36)}`;
    return this.deps.database.commands.run(async (trx) => {
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
    await this.deps.database.durable();
    const stored = await ecomStore.loadByToken(this.deps.database.db, token);
    if (!stored) return undefined;
    if (!isOverdue(stored.payment, this.deps.clock.now())) return stored.payment;
    return (await this.current(stored.payment.msn, stored.payment.orderId))?.payment;
  }

  /** Payments with this orderId, of one merchant or of all (orderIds are unique per MSN only). */
  async byOrderId(orderId: string, msn?: string): Promise<EcomPayment[]> {
    await this.deps.database.durable();
    const found = await ecomStore.byOrderId(this.deps.database.db, orderId, msn);
    return Promise.all(found.map(async (s) => (isOverdue(s.payment, this.deps.clock.now()) ? ((await this.current(s.payment.msn, orderId))?.payment ?? s.payment) : s.payment)));
  }

  capture(merchant: Merchant, orderId: string, body: ActionRequest, requestId: string | undefined): Promise<EcomReply> {
    if (body.merchantInfo.merchantSerialNumber !== merchant.msn) return Promise.resolve(fromError(ecomErrors.invalidMsn(body.merchantInfo.merchantSerialNumber)));
    const command: Command = { type: 'capture', amount: body.transaction.amount ?? null, transactionText: body.transaction.transactionText, requestId: requestId ?? '' };
    return this.modify(merchant.msn, orderId, 'ecom-capture', body, requestId, command, captureView);
  }

  refund(merchant: Merchant, orderId: string, body: ActionRequest, requestId: string | undefined): Promise<EcomReply> {
    if (body.merchantInfo.merchantSerialNumber !== merchant.msn) return Promise.resolve(fromError(ecomErrors.invalidMsn(body.merchantInfo.merchantSerialNumber)));
    const amount = body.transaction.amount;
    if (amount === undefined || amount === null || amount < 100) {
      return Promise.resolve(fromError(ecomErrors.invalidField('transaction.amount', 'A refund needs an amount of at least 100 (øre).')));
    }
    const command: Command = { type: 'refund', amount, transactionText: body.transaction.transactionText, requestId: requestId ?? '' };
    return this.modify(merchant.msn, orderId, 'ecom-refund', body, requestId, command, refundView);
  }

  cancel(merchant: Merchant, orderId: string, body: CancelRequest, requestId: string | undefined): Promise<EcomReply> {
    if (body.merchantInfo.merchantSerialNumber !== merchant.msn) return Promise.resolve(fromError(ecomErrors.invalidMsn(body.merchantInfo.merchantSerialNumber)));
    const command: Command = { type: 'cancel', transactionText: body.transaction.transactionText, releaseRemaining: body.shouldReleaseRemainingFunds === true, requestId: requestId ?? '' };
    return this.modify(merchant.msn, orderId, 'ecom-cancel', body, requestId, command, cancelView);
  }

  /** MT's integration-test approve (§2.7): as if the user approved in the app; test amounts do not apply. */
  forceApprove(merchant: Merchant, orderId: string, body: ForceApproveRequest, requestId: string | undefined): Promise<EcomReply> {
    const run = async (trx: Transaction<Database>): Promise<EcomReply> => {
      const stored = await this.load(trx, merchant.msn, orderId);
      if (!stored) return fromError(ecomErrors.orderNotFound(orderId));
      const p = stored.payment;
      if (isExpress(p)) return fromError(ecomErrors.forceApproveNotSupported('force approve does not support express payments.'));
      if (p.skipLandingPage) return fromError(ecomErrors.forceApproveNotSupported('force approve does not support skipLandingPage.'));
      if (body?.token !== undefined && body.token !== p.token) return fromError(ecomErrors.invalidField('token', 'The token does not belong to this payment.'));
      const phone = body?.customerPhoneNumber ?? p.mobileNumber;
      const user = phone ? await this.deps.users.find(`47${phone}`, trx) : (await this.deps.users.list(trx))[0];
      if (!user) return fromError(ecomErrors.forceApproveUnknownUser());
      const directCapture = await ecomStore.directCapture(trx, merchant.msn);
      const result = await this.transition(trx, stored, { type: 'approve', user: userDetailsOf(p.msn, user), directCapture });
      return 'error' in result ? fromError(result.error) : { status: 200, body: undefined };
    };
    if (!requestId) return this.deps.database.commands.run(run);
    return this.idempotent({ msn: merchant.msn, operation: 'ecom-approve', reference: orderId, key: requestId }, body, run);
  }

  /** The user in the simulated app approves (with a shipping choice for express) or rejects. */
  userDecision(msn: string, orderId: string, decision: 'approve' | 'reject', phoneNumber: string, shipping?: ChosenShipping, before?: (trx: Transaction<Database>) => Promise<void>): Promise<EcomReply> {
    return this.deps.database.commands.run(async (trx) => {
      // What the caller records first (the request reaching the user's app), in the same transaction.
      if (before) await before(trx);
      const user = await this.deps.users.find(phoneNumber, trx);
      if (!user) return fromError(ecomErrors.unknownUser());
      const stored = await this.load(trx, msn, orderId);
      if (!stored) return fromError(ecomErrors.orderNotFound(orderId));
      const directCapture = decision === 'approve' && (await ecomStore.directCapture(trx, msn));
      const command: Command =
        decision === 'approve'
          ? { type: 'approve', user: userDetailsOf(msn, user), directCapture, testAmounts: true, ...(shipping ? { shipping } : {}) }
          : { type: 'reject', phoneNumber };
      const result = await this.transition(trx, stored, command);
      if ('error' in result) return fromError(result.error);
      if (result.declined) return { status: 402, error: { status: 402, group: 'Payment', code: '42', message: `${result.declined.reason}: ${result.declined.message}` } };
      this.offered.delete(stored.payment.token);
      return { status: 200, body: detailsView(result.payment) };
    });
  }

  /** "Cancel" on the landing page: REJECTED, errorInfo 45 "User has not acted upon the payment". */
  cancelByUser(msn: string, orderId: string): Promise<EcomReply> {
    return this.deps.database.commands.run(async (trx) => {
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
   * The shipping methods the user can choose from: the static ones, or the merchant's answer to
   * the shipping-details call (synchronous, 10 s). An error is what the app shows.
   */
  async shippingOptions(p: EcomPayment, user: TestUser): Promise<{ ok: true; options: ShippingOption[] } | { ok: false; message: string }> {
    if (p.staticShippingDetails?.length) return { ok: true, options: sortOptions(p.staticShippingDetails) };
    const cached = this.offered.get(p.token);
    if (cached) return { ok: true, options: cached };
    if (!this.deps.merchantCalls || !p.shippingDetailsPrefix) return { ok: false, message: 'No shipping methods found' };
    const r = await this.deps.merchantCalls.shippingDetails(p, addressOf(user));
    if (!r.ok) return { ok: false, message: r.error.startsWith('timeout') ? `No shipping methods found (${r.error})` : `Payment failed (${r.error})` };
    this.offered.set(p.token, r.value);
    return { ok: true, options: r.value };
  }

  /** The user's choice, priced from what was offered. */
  async chosenShipping(p: EcomPayment, user: TestUser, shippingMethodId: string | undefined): Promise<ChosenShipping | { error: string }> {
    const offered = await this.shippingOptions(p, user);
    if (!offered.ok) return { error: offered.message };
    const option = offered.options.find((o) => o.shippingMethodId === shippingMethodId) ?? (shippingMethodId ? undefined : offered.options.find((o) => o.isDefault === 'Y'));
    if (!option) return { error: 'Choose a shipping method.' };
    const a = addressOf(user);
    return { addressLine1: a.addressLine1, city: a.city, postCode: a.postCode, shippingCost: option.shippingCost, shippingMethod: option.shippingMethod, shippingMethodId: option.shippingMethodId };
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
        this.deps.database.commands.run(async (trx) => {
          const stored = await ecomStore.load(trx, msn, order_id);
          if (!stored) return false;
          return (await this.catchUp(trx, stored)) !== stored;
        }),
      ),
    );
    return results.filter(Boolean).length;
  }

  private async current(msn: string, orderId: string): Promise<StoredEcomPayment | undefined> {
    // A read shows nothing that is not yet on disk (a commit whose fsync is under way).
    await this.deps.database.durable();
    const stored = await ecomStore.load(this.deps.database.db, msn, orderId);
    if (!stored || !isOverdue(stored.payment, this.deps.clock.now())) return stored;
    return this.deps.database.commands.run((trx) => this.load(trx, msn, orderId));
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
    const next = await ecomStore.update(trx, stored, outcome.payment, this.deps.clock.now());
    // Shipping options offered in the app are only needed while the user may still choose.
    if (outcome.payment.state !== 'INITIATE') this.offered.delete(outcome.payment.token);
    if (outcome.callback && this.deps.callbacks) await this.deps.callbacks(trx, outcome.payment, outcome.callback, next.version);
    return { payment: outcome.payment, stored: next, ...(outcome.declined ? { declined: outcome.declined } : {}) };
  }

  private modify(msn: string, orderId: string, operation: string, body: unknown, requestId: string | undefined, command: Command, view: (p: EcomPayment) => unknown): Promise<EcomReply> {
    const run = async (trx: Transaction<Database>): Promise<EcomReply> => {
      const stored = await this.load(trx, msn, orderId);
      if (!stored) return fromError(ecomErrors.orderNotFound(orderId));
      const result = await this.transition(trx, stored, command);
      return 'error' in result ? fromError(result.error) : { status: 200, body: view(result.payment) };
    };
    if (!requestId) return this.deps.database.commands.run(run);
    return this.idempotent({ msn, operation, reference: orderId, key: requestId }, body, run);
  }

  /** Runs a command once per X-Request-Id (per MSN, orderId and endpoint): a retry gets the first answer. */
  private idempotent(scope: IdempotencyScope, body: unknown, run: (trx: Transaction<Database>) => Promise<EcomReply>): Promise<EcomReply> {
    const hash = requestHash(body);
    return this.deps.database.commands.run(async (trx) => {
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

/** The platform's URL policy: HTTPS, or http to this machine (decision E2). */
export function isValidCallbackUrl(url: string): boolean {
  return isAllowedMerchantUrl(url);
}

export function isValidFallBack(url: string): boolean {
  if (url === 'INTENT') return true;
  if (isAllowedMerchantUrl(url)) return true;
  // A custom scheme (myapp://...) for apps; plain http elsewhere is refused.
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  return scheme !== undefined && scheme !== 'http' && scheme !== 'https' && scheme !== 'javascript' && scheme !== 'data' && scheme !== 'file';
}

export { EcomErrorThrown };
