import type { Transaction } from 'kysely';
import type { DatabaseHandle } from '../../db/open.js';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../platform/clock.js';
import type { ConsentStore } from '../../platform/consents.js';
import { isConcurrentUpdate } from '../../platform/concurrency.js';
import { idempotency, requestHash, sameRequest, type IdempotencyScope, type StoredResponse } from '../../platform/idempotency.js';
import type { IdSource } from '../../platform/ids.js';
import type { Merchant } from '../../platform/merchants.js';
import type { PaymentOrder } from '../../platform/payment-port.js';
import { ageFromNin } from '../../platform/nin.js';
import { ProblemError, problem, type Problem } from '../../platform/problems.js';
import type { TestUser, TestUsers } from '../../platform/test-users.js';
import { create, decide, type Command, type Context, type Decline, type Payment, type PaymentEvent } from './domain.js';
import { errors } from './errors.js';
import type { CreatePaymentRequest, ForceApproveRequest, ModificationRequest } from './schemas.js';
import { redirectToken } from './redirect-token.js';
import { paymentStore, type StoredPayment } from './store.js';
import { modificationView, paymentView } from './views.js';

/** What a route sends back: a success body, or a problem to render in the API's error shape. */
export type Reply = { status: number; body: unknown; problem?: undefined } | { status: number; problem: Problem; body?: undefined };

/**
 * Called inside the command's transaction for every batch of new events (the outbox hooks in
 * here). `firstSeq` is the position of the first event in the payment's log.
 */
export type EventSink = (trx: Transaction<Database>, payment: Payment, events: PaymentEvent[], firstSeq: number) => Promise<void>;

export interface EpaymentDeps {
  database: DatabaseHandle;
  clock: Clock;
  ids: IdSource;
  users: TestUsers;
  /** Profile sharing: the user's sub for a sales unit, and the consent given when approving with a profile scope. */
  consents: ConsentStore;
  /** Base URL of the emulator's pages, for redirectUrl. */
  publicUrl: () => string;
  sinks?: EventSink[];
}

type ModifyOperation = 'capture' | 'refund' | 'cancel';

const fromProblem = (p: Problem): Reply => ({ status: p.status, problem: p });

/** The create response, as first sent and on every replay: it is all in the payment. */
const created = (p: Payment): Reply => ({ status: 201, body: { ...(p.redirectUrl ? { redirectUrl: p.redirectUrl } : {}), reference: p.reference } });

/** A key's stored first response, or a conflict when the key comes back with another request. */
function replayStored(previous: StoredResponse, body: unknown, scope: IdempotencyScope, hash = requestHash(body)): Reply {
  if (previous.requestHash !== hash) return fromProblem(errors.idempotencyConflict(scope.key, scope.operation));
  return previous.status >= 400 ? { status: previous.status, problem: previous.body as Problem } : { status: previous.status, body: previous.body };
}

/**
 * The ePayment commands. Each runs as one unit in the group-commit queue: load, decide (pure),
 * write payment + events + outbox + idempotency record, all in the same transaction.
 */
export class EpaymentService {
  constructor(private readonly deps: EpaymentDeps) {}

  private ctx(): Context {
    return { now: this.deps.clock.now(), newPspReference: this.deps.ids.eventPspReference };
  }

  /**
   * Runs a command through the queue. A lost optimistic race (another instance changed the
   * payment: ConcurrentUpdate from the store) rolls the command back and answers 423 "Order
   * processing", for the client to retry with the same Idempotency-Key (decision 7).
   */
  private async run(command: (trx: Transaction<Database>) => Promise<Reply>): Promise<Reply> {
    try {
      return await this.deps.database.commands.run(command);
    } catch (err) {
      if (isConcurrentUpdate(err)) return fromProblem(errors.orderProcessing());
      throw err;
    }
  }

  /**
   * A successful create is its own idempotency record: the payment row keeps the key (in the
   * document) and the request as sent, so the hot path writes no idempotency row and hashes
   * nothing; a replay is recognised when the insert finds the reference taken (decision 15).
   * Refusals are stored per key in the idempotency table, as for every other operation.
   */
  create(merchant: Merchant, body: CreatePaymentRequest, key: string): Promise<Reply> {
    const scope = { msn: merchant.msn, operation: 'create', reference: body.reference, key };
    const request = JSON.stringify(body);
    return this.run(async (trx) => {
      const previous = await idempotency.find(trx, scope);
      if (previous) return replayStored(previous, body, scope);
      // The reference is taken: a replay of this very create, or a clash with another payment.
      const taken = async (): Promise<Reply | undefined> => {
        const existing = await paymentStore.loadWithCreateRequest(trx, merchant.msn, body.reference);
        if (!existing) return undefined;
        const p = existing.stored.payment;
        if (p.createIdempotencyKey !== key) return this.storeRefusal(trx, scope, body, errors.referenceExists(body.reference));
        if (existing.createRequest !== null && !sameRequest(JSON.parse(existing.createRequest), body)) {
          return fromProblem(errors.idempotencyConflict(key, 'create'));
        }
        return created(p);
      };
      // A request refused before the insert still reports a taken reference first, as ever.
      const refuse = async (p: Problem) => (await taken()) ?? this.storeRefusal(trx, scope, body, p);
      const phone = body.customer?.phoneNumber;
      let customerAge: number | undefined;
      if (phone) {
        const user = await this.deps.users.find(phone, trx);
        if (!user) return refuse(errors.customerNotFound(phone));
        if (body.minimumUserAge != null) customerAge = ageFromNin(user.nin, this.deps.clock.now());
      }
      const ctx = this.ctx();
      const token = redirectToken.mint(merchant.msn, body.reference, this.deps.ids.token(redirectToken.secretBytes));
      const outcome = create(
        {
          msn: merchant.msn,
          reference: body.reference,
          amount: body.amount,
          paymentMethod: body.paymentMethod.type,
          userFlow: body.userFlow,
          ...(body.customer ? { customer: body.customer } : {}),
          ...(body.customerInteraction ? { customerInteraction: body.customerInteraction } : {}),
          ...(body.returnUrl === undefined ? {} : { returnUrl: body.returnUrl }),
          ...(body.paymentDescription === undefined ? {} : { paymentDescription: body.paymentDescription }),
          ...(body.profile?.scope === undefined ? {} : { profileScope: body.profile.scope }),
          ...(body.metadata === undefined ? {} : { metadata: body.metadata }),
          ...(body.receiptUrl === undefined ? {} : { receiptUrl: body.receiptUrl }),
          hasReceipt: body.receipt !== undefined,
          expiresAt: body.expiresAt ?? null,
          qrFormat: body.qrFormat ?? null,
          ...(body.minimumUserAge != null ? { minimumUserAge: body.minimumUserAge } : {}),
          ...(customerAge === undefined ? {} : { customerAge }),
          idempotencyKey: key,
          pspReference: this.deps.ids.uuid(),
          redirectToken: token,
          merchant,
        },
        ctx,
      );
      if (!outcome.ok) return refuse(outcome.problem);
      const redirectUrl = this.redirectUrl(outcome.payment);
      const payment: Payment = redirectUrl ? { ...outcome.payment, redirectUrl } : outcome.payment;
      if (!(await paymentStore.insert(trx, payment, outcome.events, request))) return (await taken()) ?? fromProblem(errors.referenceExists(body.reference));
      await this.emit(trx, payment, outcome.events, 0);
      return created(payment);
    });
  }

  /**
   * A payment made on behalf of another module (platform/payment-port.ts), inside that module's
   * command: the same rules as a create over the API, no idempotency record (the owner's command is
   * the unit that is retried), WEB_REDIRECT so that the landing page and the app work as for any
   * payment. Answers the stored payment, or the problem the API would have answered.
   */
  async createInCommand(trx: Transaction<Database>, merchant: Merchant, input: PaymentOrder, key: string): Promise<{ payment: Payment } | { problem: Problem }> {
    if (await paymentStore.load(trx, merchant.msn, input.reference)) return { problem: errors.referenceExists(input.reference) };
    const token = redirectToken.mint(merchant.msn, input.reference, this.deps.ids.token(redirectToken.secretBytes));
    const outcome = create(
      {
        msn: merchant.msn,
        reference: input.reference,
        amount: input.amount as Payment['amount'],
        paymentMethod: input.method,
        // A card is paid on the owner's page: always WEB_REDIRECT.
        userFlow: input.method === 'CARD' ? 'WEB_REDIRECT' : (input.flow ?? 'WEB_REDIRECT'),
        ...(input.phoneNumber ? { customer: { phoneNumber: input.phoneNumber } } : {}),
        ...(input.customerInteraction ? { customerInteraction: input.customerInteraction } : {}),
        returnUrl: input.returnUrl,
        paymentDescription: input.description,
        ...(input.profileScope === undefined ? {} : { profileScope: input.profileScope }),
        hasReceipt: false,
        idempotencyKey: key,
        pspReference: this.deps.ids.uuid(),
        redirectToken: token,
        owner: input.owner,
        merchant,
      },
      this.ctx(),
    );
    if (!outcome.ok) return { problem: outcome.problem };
    const redirectUrl = this.redirectUrl(outcome.payment);
    const payment: Payment = redirectUrl ? { ...outcome.payment, redirectUrl } : outcome.payment;
    if (!(await paymentStore.insert(trx, payment, outcome.events, JSON.stringify(input)))) return { problem: errors.referenceExists(input.reference) };
    await this.emit(trx, payment, outcome.events, 0);
    return { payment };
  }

  /** A card payment on the owner's page: approved (test amounts still fail as in the app) or declined. */
  cardDecision(msn: string, reference: string, outcome: { kind: 'approve' } | { kind: 'decline'; reason: string; message: string }): Promise<{ payment: Payment; declined?: Decline } | { problem: Problem }> {
    return this.deps.database.commands.run((trx) =>
      this.transition(trx, msn, reference, outcome.kind === 'approve' ? { type: 'approve', testAmounts: true } : { type: 'decline', reason: outcome.reason, message: outcome.message }),
    );
  }

  /** Stored payment, caught up with its expiry. */
  async current(msn: string, reference: string): Promise<Payment | undefined> {
    let stored = await paymentStore.load(this.deps.database.db, msn, reference);
    if (stored && this.overdue(stored.payment)) stored = await this.expireNow(msn, reference);
    return stored?.payment;
  }

  /** A refusal is the key's first response: stored, so that a retry gets the same answer. */
  private async storeRefusal(trx: Transaction<Database>, scope: IdempotencyScope, body: unknown, p: Problem): Promise<Reply> {
    await idempotency.store(trx, scope, { requestHash: requestHash(body), status: p.status, body: p }, this.deps.clock.now());
    return fromProblem(p);
  }

  async get(msn: string, reference: string): Promise<Reply> {
    let stored = await paymentStore.load(this.deps.database.db, msn, reference);
    if (stored && this.overdue(stored.payment)) stored = await this.expireNow(msn, reference);
    if (!stored) return fromProblem(errors.referenceNotFound(reference, msn));
    return { status: 200, body: paymentView(stored.payment) };
  }

  async events(msn: string, reference: string): Promise<Reply> {
    const stored = await paymentStore.load(this.deps.database.db, msn, reference);
    if (stored && this.overdue(stored.payment)) await this.expireNow(msn, reference);
    const events = await paymentStore.events(this.deps.database.db, msn, reference);
    if (events.length === 0) return fromProblem(errors.referenceNotFound(reference, msn));
    return { status: 200, body: events };
  }

  modify(merchant: Merchant, reference: string, operation: ModifyOperation, body: ModificationRequest | { cancelTransactionOnly?: boolean } | null, key: string): Promise<Reply> {
    const scope = { msn: merchant.msn, operation, reference, key };
    return this.idempotent(scope, body, async (trx) => {
      const command: Command =
        operation === 'cancel'
          ? { type: 'cancel', idempotencyKey: key, cancelTransactionOnly: (body as { cancelTransactionOnly?: boolean } | null)?.cancelTransactionOnly === true }
          : { type: operation, amount: (body as ModificationRequest).modificationAmount, idempotencyKey: key };
      const result = await this.transition(trx, merchant.msn, reference, command);
      return 'problem' in result ? fromProblem(result.problem) : { status: 200, body: modificationView(result.payment) };
    });
  }

  /** MT's test-only approve: moves a CREATED payment to AUTHORIZED without the app. */
  forceApprove(merchant: Merchant, reference: string, body: ForceApproveRequest): Promise<Reply> {
    return this.run(async (trx) => {
      const stored = await paymentStore.load(trx, merchant.msn, reference);
      if (!stored) return fromProblem(errors.referenceNotFound(reference, merchant.msn));
      // With a customer the customer says who approves, and the token is not checked: Vipps' own
      // collection sends a token its create step never sets (it reads it only from a 200, and create
      // answers 201). A token alone must be this payment's (docs/decisions.md, Official clients).
      if (body?.token !== undefined && body.customer === undefined && body.token !== stored.payment.redirectToken) {
        return fromProblem(problem(400, 'Approve failed', 'The token does not belong to this payment.', '10010'));
      }
      const phone = body?.customer?.phoneNumber ?? stored.payment.customer?.phoneNumber;
      const user = phone ? await this.deps.users.find(phone, trx) : (await this.deps.users.list(trx))[0];
      if (!user) return fromProblem(phone ? errors.customerNotFound(phone) : problem(400, 'Approve failed', 'There is no test user to approve as.', '10010'));
      const result = await this.approve(trx, merchant.msn, reference, user, false, stored);
      return 'problem' in result ? fromProblem(result.problem) : { status: 200, body: undefined };
    });
  }

  /** The user's side (simulated app, control API): approve or reject as a given test user. */
  userDecision(msn: string, reference: string, decision: 'approve' | 'reject', phoneNumber: string, before?: (trx: Transaction<Database>) => Promise<void>): Promise<Reply> {
    return this.run(async (trx) => {
      // What the caller records first (the request reaching the user's app), in the same transaction.
      if (before) await before(trx);
      const user = await this.deps.users.find(phoneNumber, trx);
      if (!user) return fromProblem(errors.customerNotFound(phoneNumber));
      // In the app the test environment's special amounts fail (force approve ignores them).
      const result = decision === 'approve' ? await this.approve(trx, msn, reference, user, true) : await this.transition(trx, msn, reference, { type: 'reject', phoneNumber });
      if ('problem' in result) return fromProblem(result.problem);
      if (result.declined) return fromProblem(declinedProblem(result.declined));
      return { status: 200, body: paymentView(result.payment) };
    });
  }

  /**
   * The user approves: the domain checks the age limit and test amounts; a payment with a profile
   * scope gets the user's sub for this sales unit, and the consent is recorded in the same
   * transaction (the Userinfo API reads it: src/platform/consents.ts).
   */
  private async approve(trx: Transaction<Database>, msn: string, reference: string, user: TestUser, testAmounts: boolean, loaded?: StoredPayment) {
    const now = this.deps.clock.now();
    const age = ageFromNin(user.nin, now);
    const command: Command = {
      type: 'approve',
      phoneNumber: user.phoneNumber,
      sub: this.deps.consents.subject(msn, user),
      ...(testAmounts ? { testAmounts } : {}),
      ...(age === undefined ? {} : { userAge: age }),
    };
    const result = await this.transition(trx, msn, reference, command, loaded);
    if (!('problem' in result) && !result.declined && result.payment.profileScope !== undefined) {
      await this.deps.consents.grant(trx, { msn, user, scope: result.payment.profileScope, at: now });
    }
    return result;
  }

  /** "Cancel" on the landing page: the user stops the payment before choosing who pays (ABORTED). */
  cancelByUser(msn: string, reference: string): Promise<Reply> {
    return this.run(async (trx) => {
      const result = await this.transition(trx, msn, reference, { type: 'reject' });
      return 'problem' in result ? fromProblem(result.problem) : { status: 200, body: paymentView(result.payment) };
    });
  }

  private overdue(p: Payment): boolean {
    return p.state === 'CREATED' && this.deps.clock.now().getTime() >= Date.parse(p.expiresAt);
  }

  /** A read must not show CREATED past expiry while the sweeper has not come by yet. */
  private async expireNow(msn: string, reference: string): Promise<StoredPayment | undefined> {
    try {
      return await this.deps.database.commands.run(async (trx) => {
        const stored = await paymentStore.load(trx, msn, reference);
        return stored && this.catchUp(trx, stored);
      });
    } catch (err) {
      if (!isConcurrentUpdate(err)) throw err;
      // Another instance changed (expired) it first: show what it wrote.
      return paymentStore.load(this.deps.database.db, msn, reference);
    }
  }

  /** Expires every CREATED payment whose time is up; returns how many. */
  async expireDue(): Promise<number> {
    const due = await paymentStore.dueForExpiry(this.deps.database.db, this.deps.clock.now());
    const results = await Promise.all(
      due.map(({ msn, reference }) =>
        this.deps.database.commands
          .run(async (trx) => {
            const stored = await paymentStore.load(trx, msn, reference);
            if (!stored) return false;
            const expired = await this.catchUp(trx, stored);
            return expired !== stored;
          })
          // Another instance expired (or changed) it first.
          .catch((err: unknown) => (isConcurrentUpdate(err) ? false : Promise.reject(err))),
      ),
    );
    return results.filter(Boolean).length;
  }

  /** Applies a command to a stored payment inside the caller's transaction (`preloaded`: read in this same transaction already). */
  private async transition(trx: Transaction<Database>, msn: string, reference: string, command: Command, preloaded?: StoredPayment): Promise<{ payment: Payment; declined?: Decline } | { problem: Problem }> {
    const loaded = preloaded ?? (await paymentStore.load(trx, msn, reference));
    if (!loaded) return { problem: errors.referenceNotFound(reference, msn) };
    const stored = await this.catchUp(trx, loaded);
    const outcome = decide(stored.payment, command, this.ctx());
    if (!outcome.ok) return { problem: outcome.problem };
    await paymentStore.update(trx, stored, outcome.payment, outcome.events, this.deps.clock.now());
    await this.emit(trx, outcome.payment, outcome.events, stored.eventCount);
    return outcome.declined ? { payment: outcome.payment, declined: outcome.declined } : { payment: outcome.payment };
  }

  /** A payment whose time ran out is expired before anything else happens to it. */
  private async catchUp(trx: Transaction<Database>, stored: StoredPayment): Promise<StoredPayment> {
    const p = stored.payment;
    if (p.state !== 'CREATED' || this.deps.clock.now().getTime() < Date.parse(p.expiresAt)) return stored;
    const outcome = decide(p, { type: 'expire' }, this.ctx());
    if (!outcome.ok) return stored;
    const next = await paymentStore.update(trx, stored, outcome.payment, outcome.events, this.deps.clock.now());
    await this.emit(trx, outcome.payment, outcome.events, stored.eventCount);
    return next;
  }

  private async emit(trx: Transaction<Database>, payment: Payment, events: PaymentEvent[], firstSeq: number) {
    // A failed approval attempt (test amount, success: false) is only logged: no webhook event exists for it.
    if (events.length === 0 || events.every((e) => !e.success)) return;
    for (const sink of this.deps.sinks ?? []) await sink(trx, payment, events, firstSeq);
  }

  /** Runs a command once per Idempotency-Key: a replay returns the stored first response. */
  private idempotent(scope: IdempotencyScope, body: unknown, run: (trx: Transaction<Database>) => Promise<Reply>): Promise<Reply> {
    const hash = requestHash(body);
    return this.run(async (trx) => {
      const previous = await idempotency.find(trx, scope);
      if (previous) return replayStored(previous, body, scope, hash);
      const reply = await run(trx);
      await idempotency.store(trx, scope, { requestHash: hash, status: reply.status, body: reply.problem ?? reply.body }, this.deps.clock.now());
      return reply;
    });
  }

  private redirectUrl(p: Payment): string | undefined {
    const base = this.deps.publicUrl();
    const token = encodeURIComponent(p.redirectToken);
    switch (p.userFlow) {
      case 'PUSH_MESSAGE':
        return undefined;
      case 'WEB_REDIRECT':
        return `${base}/landing?token=${token}`;
      case 'NATIVE_REDIRECT':
        return `${base}/app-switch?token=${token}`;
      case 'QR':
        // TEXT/TARGETURL: the URL to encode yourself, which opens the payment (our landing page).
        return p.qrFormat?.format === 'TEXT/TARGETURL' ? `${base}/landing?token=${token}` : `${base}/qr/v1?token=${token}`;
    }
  }
}

/** The control API's answer when a test amount makes the approval fail (402, titled with the reason). */
export function declinedProblem(d: Decline): Problem {
  return {
    ...problem(402, d.reason, `${d.message.replace(/\.$/, '')} (test amount ${d.amountValue}). The payment stays CREATED: the user can try again, reject it, or let it expire.`),
    extraDetails: [{ name: 'testAmount', reason: String(d.amountValue) }],
  };
}

export { ProblemError };
