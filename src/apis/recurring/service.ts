import type { Transaction } from 'kysely';
import type { DatabaseHandle } from '../../db/open.js';
import type { Database } from '../../db/schema.js';
import type { MoneyMovement, MoneyMovements } from '../../platform/money-movements.js';
import type { Clock } from '../../platform/clock.js';
import { isConcurrentUpdate } from '../../platform/concurrency.js';
import type { ConsentStore } from '../../platform/consents.js';
import type { EventBus } from '../../platform/event-bus.js';
import { idempotency, requestHash, type IdempotencyScope, type StoredResponse } from '../../platform/idempotency.js';
import type { IdSource } from '../../platform/ids.js';
import type { Merchant } from '../../platform/merchants.js';
import type { TestUser, TestUsers } from '../../platform/test-users.js';
import {
  accept,
  cancelCharge,
  cancelOpen,
  chargeCreationFailed,
  captureCharge,
  createCharge,
  draft,
  expire,
  isOverdue,
  processKey,
  processUntil,
  refundCharge,
  reject,
  setMaxAmount,
  stop,
  update,
  type Actor,
  type Agreement,
  type AgreementStatus,
  type Charge,
  type ChargeStatus,
  type DomainEvent,
  type FailureReason,
} from './domain.js';
import { agreementToken } from './agreement-token.js';
import { recurringErrors as E, type RecurringProblem } from './errors.js';
import { published } from './events.js';
import { chargeMovements } from './movements.js';
import type { CreateChargeRequest, DraftAgreementRequest, ModifyChargeRequest, PatchAgreementRequest } from './schemas.js';
import { agreementStore, chargeStore, fundsStore, tokenStore, type Stored } from './store.js';
import { agreementView, chargeView } from './views.js';

/** What a route sends back: a body (or none: 204), or a problem in Recurring's shape. */
export type Reply = { status: number; body?: unknown; problem?: undefined; headers?: Record<string, string> } | { status: number; problem: RecurringProblem; body?: undefined; headers?: undefined };

export interface RecurringDeps {
  database: DatabaseHandle;
  clock: Clock;
  ids: IdSource;
  users: TestUsers;
  consents: ConsentStore;
  events: EventBus;
  publicUrl: () => string;
  /** Called in the command that accepts, rejects or stops an agreement (the user inbox). */
  onAgreement?: (trx: Transaction<Database>, a: Agreement) => Promise<void>;
  /** Captures and refunds of charges, told in the command that made them (the settlement ledger). */
  movements?: MoneyMovements;
}

const fromProblem = (problem: RecurringProblem): Reply => ({ status: problem.status, problem });
/** Base 62 in byte order, so that a time written in it sorts as the time. */
const ALPHANUM_SORTED = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** The calendar writes this many charges per transaction. */
export const BATCH_SIZE = 2000;
/** …read this many at a time. */
const CHUNK = 200;
/** Default page of a list without pageSize (later docs: 500). */
export const DEFAULT_PAGE_SIZE = 500;
const TOKEN_LIFETIME_MS = 10 * 60_000;

/** The user's side of an agreement, as the app and the control API ask for it. */
export type UserAction = { kind: 'accept'; maxAmount?: number; testAmounts: boolean } | { kind: 'reject' } | { kind: 'stop' };

/**
 * The Recurring commands. Each runs as one unit of the command queue: load, decide (domain.ts),
 * write the agreement, its charges, the idempotency record and the published events in one
 * transaction. The calendar (`processDue`) writes one transaction per batch of charges.
 */
export class RecurringService {
  constructor(private readonly deps: RecurringDeps) {}

  private now(): Date {
    return this.deps.clock.now();
  }

  /**
   * A generated id as the real ones look (`agr_` or `chr-` + 7 alphanumerics). The first five count
   * milliseconds (wrapping every ten days), the last two are random: ids made together sort
   * together, so a burst of drafts or charges appends to the same few index pages instead of
   * dirtying one random page each (as UUIDv7 does for UUIDs). A collision (same millisecond, same
   * two characters) meets the unique key and is drawn again.
   */
  private newId(prefix: string): string {
    // Real time, not the emulator's (which jumps): only the order of creation matters here.
    let t = Date.now();
    let time = '';
    for (let i = 0; i < 5; i += 1) {
      time = ALPHANUM_SORTED[t % 62]! + time;
      t = Math.floor(t / 62);
    }
    const bytes = this.deps.ids.token(2);
    return `${prefix}${time}${ALPHANUM_SORTED[bytes.charCodeAt(0) % 62]}${ALPHANUM_SORTED[bytes.charCodeAt(1) % 62]}`;
  }

  /** Runs a command; a lost optimistic race (another instance changed the row) is a 409 to retry with the same key. */
  private async run(command: (trx: Transaction<Database>) => Promise<Reply>): Promise<Reply> {
    try {
      return await this.deps.database.commands.run(command);
    } catch (err) {
      if (isConcurrentUpdate(err)) return fromProblem({ status: 409, id: 'conflict', title: 'Conflict', detail: 'The agreement or charge was changed by another request meanwhile; retry with the same Idempotency-Key.' });
      throw err;
    }
  }

  /** Runs a command once per Idempotency-Key: a replay returns the first response (4xx included); another request with the key is 409. */
  private idempotent(scope: IdempotencyScope, body: unknown, command: (trx: Transaction<Database>) => Promise<Reply>): Promise<Reply> {
    const hash = requestHash(body);
    return this.run(async (trx) => {
      const previous = await idempotency.find(trx, scope);
      if (previous) return replay(previous, hash, scope.key);
      const reply = await command(trx);
      const stored: StoredResponse = { requestHash: hash, status: reply.status, body: reply.problem ?? reply.body ?? null };
      await idempotency.store(trx, scope, stored, this.now());
      return reply;
    });
  }

  private async publish(trx: Transaction<Database>, a: Agreement, events: readonly DomainEvent[], agreementSeq: number) {
    if (events.length > 0) await this.deps.events.publish(trx, published(a, events, agreementSeq));
  }

  // ------------------------------------------------------------ agreements

  draft(merchant: Merchant, body: DraftAgreementRequest, key: string): Promise<Reply> {
    return this.idempotent({ msn: merchant.msn, operation: 'recurring.draft', reference: '', key }, body, async (trx) => {
      const now = this.now();
      if (body.initialCharge?.orderId && (await chargeStore.load(trx, merchant.msn, body.initialCharge.orderId))) return fromProblem(E.chargeIdTaken(body.initialCharge.orderId));
      for (let attempt = 0; ; attempt += 1) {
        const id = this.newId('agr_');
        const outcome = draft(
          { msn: merchant.msn, id, uuid: this.deps.ids.uuid(), token: agreementToken.mint(merchant.msn, id, this.deps.ids.token(agreementToken.secretBytes)), request: body, allowSkipLandingPage: merchant.allowSkipLandingPage, generatedChargeId: this.newId('chr-') },
          now,
        );
        if (!outcome.ok) return fromProblem(outcome.problem);
        if (!(await agreementStore.insert(trx, outcome.agreement))) {
          if (attempt < 5) continue;
          throw new Error('could not find a free agreement id');
        }
        if (outcome.initialCharge && !(await chargeStore.insert(trx, outcome.initialCharge))) return fromProblem(E.chargeIdTaken(outcome.initialCharge.id));
        // Pushed straight to the user's app when the landing page is skipped.
        await this.deps.onAgreement?.(trx, outcome.agreement);
        return { status: 201, body: { agreementId: id, uuid: outcome.agreement.uuid, vippsConfirmationUrl: this.confirmationUrl(outcome.agreement), chargeId: outcome.agreement.initialChargeId } };
      }
    });
  }

  confirmationUrl(a: Agreement): string {
    const token = encodeURIComponent(a.token);
    return a.isApp ? `${this.deps.publicUrl()}/app-switch?token=${token}` : `${this.deps.publicUrl()}/landing?token=${token}`;
  }

  /** An agreement, expired first when its time ran out and the sweep has not come by. */
  private async loadAgreement(trx: Transaction<Database>, msn: string, id: string): Promise<Stored<Agreement> | undefined> {
    const stored = await agreementStore.load(trx, msn, id);
    if (!stored || !isOverdue(stored.value, this.now())) return stored;
    return this.expireIn(trx, stored);
  }

  private async expireIn(trx: Transaction<Database>, stored: Stored<Agreement>): Promise<Stored<Agreement>> {
    const initial = stored.value.initialChargeId ? await chargeStore.load(trx, stored.value.msn, stored.value.initialChargeId) : undefined;
    const outcome = expire(stored.value, initial?.value);
    if (!outcome.ok) return stored;
    return this.writeAgreement(trx, stored, outcome.agreement, initial, outcome.initialCharge, outcome.events);
  }

  /** Writes a charge's change and tells the settlement ledger what money it moved. */
  private async saveCharge(trx: Transaction<Database>, before: Stored<Charge>, after: Charge): Promise<void> {
    await chargeStore.update(trx, before, after);
    await this.deps.movements?.record(trx, chargeMovements(before.value, after, this.now().toISOString()));
  }

  private async writeAgreement(trx: Transaction<Database>, before: Stored<Agreement>, a: Agreement, initialBefore: Stored<Charge> | undefined, initial: Charge | undefined, events: DomainEvent[]): Promise<Stored<Agreement>> {
    const own = events.filter((e) => !e.charge).length;
    const next = await agreementStore.update(trx, before, a, own);
    if (initialBefore && initial && initial !== initialBefore.value) await this.saveCharge(trx, initialBefore, initial);
    await this.publish(trx, a, events, before.version + 1);
    if (a.status !== before.value.status) await this.deps.onAgreement?.(trx, a);
    return next;
  }

  async get(msn: string, id: string): Promise<Reply> {
    let stored = await agreementStore.load(this.deps.database.db, msn, id);
    if (stored && isOverdue(stored.value, this.now())) stored = await this.expireNow(msn, id);
    if (!stored) return fromProblem(E.agreementNotFound(id));
    return { status: 200, body: agreementView(stored.value, this.confirmationUrl(stored.value), this.deps.publicUrl()) };
  }

  /** The agreement behind a landing-page token (the user side). */
  async byToken(token: string): Promise<Agreement | undefined> {
    const stored = await agreementStore.byToken(this.deps.database.db, token);
    if (stored && isOverdue(stored.value, this.now())) return (await this.expireNow(stored.value.msn, stored.value.id))?.value;
    return stored?.value;
  }

  private async expireNow(msn: string, id: string): Promise<Stored<Agreement> | undefined> {
    try {
      return await this.deps.database.commands.run((trx) => this.loadAgreement(trx, msn, id));
    } catch (err) {
      if (!isConcurrentUpdate(err)) throw err;
      return agreementStore.load(this.deps.database.db, msn, id);
    }
  }

  /** Expires every PENDING agreement nobody answered; returns how many. */
  async expireDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const due = await agreementStore.overdue(this.deps.database.db, this.now());
      if (due.length === 0) return total;
      const n = await this.deps.database.commands
        .run(async (trx) => {
          let done = 0;
          for (const { msn, id } of due) {
            const stored = await agreementStore.load(trx, msn, id);
            if (stored && isOverdue(stored.value, this.now())) {
              await this.expireIn(trx, stored);
              done += 1;
            }
          }
          return done;
        })
        .catch((err: unknown) => (isConcurrentUpdate(err) ? 0 : Promise.reject(err)));
      total += n;
      if (due.length < 500 || n === 0) return total;
    }
  }

  /**
   * The list: one status (ACTIVE when none is given), oldest first. With `pageNumber` (SDK) pages by
   * number; otherwise pages of `pageSize` (500) and a Continuation-Token header while more remain.
   */
  async list(msn: string, q: { status?: AgreementStatus; createdAfter?: string; pageNumber?: string; pageSize?: string }, continuation: string | undefined): Promise<Reply> {
    const db = this.deps.database.db;
    const now = this.now();
    let status = q.status ?? 'ACTIVE';
    let createdAfter = q.createdAfter === undefined ? undefined : new Date(Math.min(Number(q.createdAfter), 8.64e15)).toISOString();
    let after: { created: string; id: string } | undefined;
    let pageSize = Number(q.pageSize ?? DEFAULT_PAGE_SIZE);
    if (continuation !== undefined) {
      const cursor = await tokenStore.find(db, continuation, msn, now);
      if (!cursor) return fromProblem(E.continuationToken());
      ({ status, after, pageSize } = cursor);
      createdAfter = cursor.createdAfter;
    }
    const view = (a: Agreement) => agreementView(a, this.confirmationUrl(a), this.deps.publicUrl());
    if (q.pageNumber !== undefined && continuation === undefined) {
      const page = await agreementStore.list(db, msn, status, undefined, createdAfter, pageSize, (Number(q.pageNumber) - 1) * pageSize);
      return { status: 200, body: page.map(view) };
    }
    const rows = await agreementStore.list(db, msn, status, after, createdAfter, pageSize + 1);
    const page = rows.slice(0, pageSize);
    if (rows.length <= pageSize) return { status: 200, body: page.map(view) };
    const last = page[page.length - 1]!;
    const token = this.deps.ids.uuid();
    await this.deps.database.commands.run((trx) =>
      tokenStore.save(trx, token, msn, { status, ...(createdAfter === undefined ? {} : { createdAfter }), after: { created: last.created, id: last.id }, pageSize }, new Date(now.getTime() + TOKEN_LIFETIME_MS)),
    );
    return { status: 200, body: page.map(view), headers: { 'continuation-token': token } };
  }

  /** PATCH: STOPPED alone (final; open charges cancelled), or changes to an ACTIVE agreement. 204, no body. */
  patch(merchant: Merchant, id: string, body: PatchAgreementRequest, key: string): Promise<Reply> {
    return this.idempotent({ msn: merchant.msn, operation: 'recurring.patch', reference: id, key }, body, async (trx) => {
      const stored = await this.loadAgreement(trx, merchant.msn, id);
      if (!stored) return fromProblem(E.agreementNotFound(id));
      if (body.status === 'STOPPED') {
        if (Object.keys(body).some((k) => k !== 'status' && (body as Record<string, unknown>)[k] !== undefined)) return fromProblem(E.stopMustBeAlone());
        const r = await this.stopIn(trx, stored, 'MERCHANT');
        return r ?? { status: 204 };
      }
      const outcome = update(stored.value, body);
      if (!outcome.ok) return fromProblem(outcome.problem);
      await agreementStore.update(trx, stored, outcome.agreement);
      return { status: 204 };
    });
  }

  /** Stops an agreement and cancels its charges that could still take money, in the caller's transaction. */
  private async stopIn(trx: Transaction<Database>, stored: Stored<Agreement>, actor: Actor): Promise<Reply | undefined> {
    const outcome = stop(stored.value, actor, this.now());
    if (!outcome.ok) return fromProblem(outcome.problem);
    const at = outcome.events[0]!.at;
    const charges = await chargeStore.ofAgreement(trx, stored.value.msn, stored.value.id);
    const chargeEvents: DomainEvent[] = [];
    for (const c of charges) {
      const cancelled = cancelOpen(c.value, at, actor, processKey(c.value));
      if (cancelled.events.length === 0) continue;
      await this.saveCharge(trx, c, cancelled.charge);
      chargeEvents.push(...cancelled.events);
    }
    await this.writeAgreement(trx, stored, outcome.agreement, undefined, undefined, [...chargeEvents, ...outcome.events]);
    return undefined;
  }

  /** MT's force accept: ACTIVE as the given user, initial charge taken (test amounts do not apply). 204. */
  forceAccept(merchant: Merchant, id: string, phoneNumber: string, key: string): Promise<Reply> {
    return this.idempotent({ msn: merchant.msn, operation: 'recurring.accept', reference: id, key }, { phoneNumber }, async (trx) => {
      const user = await this.deps.users.find(phoneNumber.length === 8 ? `47${phoneNumber}` : phoneNumber, trx);
      if (!user) return fromProblem(E.userNotFound(phoneNumber));
      const r = await this.acceptIn(trx, merchant.msn, id, user, { kind: 'accept', testAmounts: false }, 'USER');
      return r.problem ? r : { status: 204 };
    });
  }

  private async acceptIn(trx: Transaction<Database>, msn: string, id: string, user: TestUser, action: Extract<UserAction, { kind: 'accept' }>, actor: Actor): Promise<Reply & { declined?: FailureReason }> {
    const stored = await this.loadAgreement(trx, msn, id);
    if (!stored) return fromProblem(E.agreementNotFound(id));
    const initial = stored.value.initialChargeId ? await chargeStore.load(trx, msn, stored.value.initialChargeId) : undefined;
    const insufficient = (await fundsStore.insufficient(trx)).has(user.phoneNumber);
    const outcome = accept(
      stored.value,
      initial?.value,
      {
        phoneNumber: user.phoneNumber,
        sub: this.deps.consents.subject(msn, user),
        payer: { exists: true, insufficientFunds: insufficient },
        testAmounts: action.testAmounts,
        ...(action.maxAmount === undefined ? {} : { maxAmount: action.maxAmount }),
        transactionId: this.transactionId(),
        actor,
      },
      this.now(),
    );
    if (!outcome.ok) return fromProblem(outcome.problem);
    await this.writeAgreement(trx, stored, outcome.agreement, initial, outcome.initialCharge, outcome.events);
    // Profile sharing: the consent is recorded in the accepting command (the Userinfo API reads it).
    if (outcome.agreement.status === 'ACTIVE' && outcome.agreement.scope) await this.deps.consents.grant(trx, { msn, user, scope: outcome.agreement.scope, at: this.now() });
    return outcome.declined ? { status: 200, body: agreementView(outcome.agreement, this.confirmationUrl(outcome.agreement), this.deps.publicUrl()), declined: outcome.declined } : { status: 200, body: agreementView(outcome.agreement, this.confirmationUrl(outcome.agreement), this.deps.publicUrl()) };
  }

  /** The user acts in the app (or the control API acts for them): accept (with PIN), reject, stop. */
  userAction(msn: string, id: string, phoneNumber: string, action: UserAction): Promise<Reply & { declined?: FailureReason }> {
    return this.run(async (trx) => {
      const user = await this.deps.users.find(phoneNumber, trx);
      if (!user) return fromProblem(E.userNotFound(phoneNumber));
      if (action.kind === 'accept') return this.acceptIn(trx, msn, id, user, action, 'USER');
      const stored = await this.loadAgreement(trx, msn, id);
      if (!stored) return fromProblem(E.agreementNotFound(id));
      if (action.kind === 'reject') {
        const initial = stored.value.initialChargeId ? await chargeStore.load(trx, msn, stored.value.initialChargeId) : undefined;
        const outcome = reject(stored.value, initial?.value, phoneNumber, this.now());
        if (!outcome.ok) return fromProblem(outcome.problem);
        const next = await this.writeAgreement(trx, stored, outcome.agreement, initial, outcome.initialCharge, outcome.events);
        return { status: 200, body: agreementView(next.value, this.confirmationUrl(next.value), this.deps.publicUrl()) };
      }
      if (stored.value.userPhoneNumber !== phoneNumber || stored.value.status !== 'ACTIVE') return fromProblem(E.illegalUpdate(stored.value.status, 'only the user who accepted an active agreement can stop it'));
      const r = await this.stopIn(trx, stored, 'USER');
      if (r) return r;
      const after = await agreementStore.load(trx, msn, id);
      return { status: 200, body: agreementView(after!.value, this.confirmationUrl(after!.value), this.deps.publicUrl()) };
    });
  }

  /**
   * The user deleted their Vipps profile (the test user is deleted): each of their ACTIVE
   * agreements is stopped, by ADMIN, and its open charges cancelled — in the deleting command.
   */
  async stopAllOfUser(trx: Transaction<Database>, phoneNumber: string): Promise<number> {
    let stopped = 0;
    for (const { msn, id } of await agreementStore.activeOfUser(trx, phoneNumber)) {
      const stored = await this.loadAgreement(trx, msn, id);
      if (stored?.value.status !== 'ACTIVE') continue;
      if (!(await this.stopIn(trx, stored, 'ADMIN'))) stopped++;
    }
    return stopped;
  }

  /** The charges of each agreement (by id), oldest due first: the app shows them under the agreement. */
  async chargesOf(agreements: readonly Agreement[]): Promise<Map<string, Charge[]>> {
    const db = this.deps.database.db;
    const found = await Promise.all(agreements.map(async (a) => [`${a.msn}/${a.id}`, (await chargeStore.ofAgreement(db, a.msn, a.id)).map((c) => c.value)] as const));
    return new Map(found);
  }

  /** "Cancel" on the landing page, before anyone's app got the agreement: rejected. */
  cancelFromLanding(msn: string, id: string): Promise<Reply> {
    return this.run(async (trx) => {
      const stored = await this.loadAgreement(trx, msn, id);
      if (!stored) return fromProblem(E.agreementNotFound(id));
      const initial = stored.value.initialChargeId ? await chargeStore.load(trx, msn, stored.value.initialChargeId) : undefined;
      const outcome = reject(stored.value, initial?.value, undefined, this.now());
      if (!outcome.ok) return fromProblem(outcome.problem);
      await this.writeAgreement(trx, stored, outcome.agreement, initial, outcome.initialCharge, outcome.events);
      return { status: 200 };
    });
  }

  /** Agreements by key, in any order (the app's inbox). */
  loadMany(keys: ReadonlyArray<{ msn: string; id: string }>): Promise<Agreement[]> {
    return agreementStore.loadMany(this.deps.database.db, keys);
  }

  /** The user changes their limit on a VARIABLE agreement (control API). */
  setMaxAmount(msn: string, id: string, maxAmount: number): Promise<Reply> {
    return this.run(async (trx) => {
      const stored = await this.loadAgreement(trx, msn, id);
      if (!stored) return fromProblem(E.agreementNotFound(id));
      const outcome = setMaxAmount(stored.value, maxAmount);
      if (!outcome.ok) return fromProblem(outcome.problem);
      await agreementStore.update(trx, stored, outcome.agreement);
      return { status: 200, body: agreementView(outcome.agreement, this.confirmationUrl(outcome.agreement), this.deps.publicUrl()) };
    });
  }

  /** A test user's money as the calendar and acceptance see it. */
  setFunds(phoneNumber: string, insufficient: boolean): Promise<void> {
    return this.deps.database.commands.run((trx) => fundsStore.set(trx, phoneNumber, insufficient, this.now()));
  }

  async agreementsById(id: string): Promise<Agreement[]> {
    return agreementStore.byId(this.deps.database.db, id);
  }

  async agreementsOfUser(phoneNumber: string): Promise<Agreement[]> {
    return agreementStore.ofUser(this.deps.database.db, phoneNumber);
  }

  // ------------------------------------------------------------ charges

  createCharge(merchant: Merchant, agreementId: string, body: CreateChargeRequest, key: string): Promise<Reply> {
    return this.idempotent({ msn: merchant.msn, operation: 'recurring.charge', reference: agreementId, key }, body, (trx) => this.createChargeIn(trx, merchant.msn, agreementId, body, key));
  }

  private async createChargeIn(trx: Transaction<Database>, msn: string, agreementId: string, body: CreateChargeRequest, key: string): Promise<Reply> {
    const stored = await this.loadAgreement(trx, msn, agreementId);
    if (!stored) return fromProblem(E.agreementNotFound(agreementId));
    for (let attempt = 0; ; attempt += 1) {
      const outcome = createCharge(stored.value, { id: body.orderId ?? this.newId('chr-'), request: body, idempotencyKey: key }, this.now());
      if (!outcome.ok) return fromProblem(outcome.problem);
      if (await chargeStore.insert(trx, outcome.charge)) return { status: 201, body: { chargeId: outcome.charge.id } };
      if (body.orderId !== undefined) return fromProblem(E.chargeIdTaken(body.orderId));
      if (attempt >= 5) throw new Error('could not find a free charge id');
    }
  }

  /**
   * `POST /recurring/v3/agreements/charges` (SDK 2024), asynchronous as documented: an item that
   * fails validation (its fields, due date, amount limit) comes back in `invalidCharges` with its
   * errors; the others are listed in `validCharges` and created — or, when the agreement is missing
   * or not ACTIVE or the orderId is taken, announced by a `charge-creation-failed` event. One transaction.
   */
  createCharges(merchant: Merchant, items: readonly unknown[], key: string, check: (item: unknown) => string[]): Promise<Reply> {
    return this.idempotent({ msn: merchant.msn, operation: 'recurring.charges', reference: '', key }, items, async (trx) => {
      const validCharges: string[] = [];
      const invalidCharges: Array<{ chargeBatchItemDto: unknown; errors: string[] }> = [];
      const failed: Array<{ a: Pick<Agreement, 'msn' | 'id' | 'externalId'>; e: DomainEvent }> = [];
      for (const [i, item] of items.entries()) {
        const errors = check(item);
        if (errors.length > 0) {
          invalidCharges.push({ chargeBatchItemDto: item, errors });
          continue;
        }
        const { agreementId, ...body } = item as CreateChargeRequest & { agreementId: string; orderId: string };
        const r = await this.createChargeIn(trx, merchant.msn, agreementId, body, `${key}-${i}`);
        if (r.problem && r.problem.status === 400) {
          invalidCharges.push({ chargeBatchItemDto: item, errors: [r.problem.detail] });
          continue;
        }
        validCharges.push(body.orderId);
        if (r.problem) {
          const a = (await agreementStore.load(trx, merchant.msn, agreementId))?.value;
          failed.push({ a: { msn: merchant.msn, id: agreementId, ...(a?.externalId === undefined ? {} : { externalId: a.externalId }) }, e: chargeCreationFailed(merchant.msn, agreementId, a?.externalId, body, r.problem.detail, this.now()) });
        }
      }
      if (failed.length > 0) await this.deps.events.publish(trx, failed.flatMap(({ a, e }) => published(a, [e], 0)));
      return { status: 202, body: { validCharges, invalidCharges } };
    });
  }

  async getCharge(msn: string, agreementId: string, chargeId: string): Promise<Reply> {
    const db = this.deps.database.db;
    if (!(await agreementStore.load(db, msn, agreementId))) return fromProblem(E.agreementNotFound(agreementId));
    const c = await chargeStore.load(db, msn, chargeId);
    if (!c || c.value.agreementId !== agreementId) return fromProblem(E.chargeNotFound(chargeId));
    return { status: 200, body: chargeView(c.value) };
  }

  async getChargeById(msn: string, chargeId: string): Promise<Reply> {
    const c = await chargeStore.load(this.deps.database.db, msn, chargeId);
    if (!c) return fromProblem(E.chargeNotFound(chargeId));
    return { status: 200, body: chargeView(c.value) };
  }

  async listCharges(msn: string, agreementId: string, status: ChargeStatus | undefined): Promise<Reply> {
    const db = this.deps.database.db;
    if (!(await agreementStore.load(db, msn, agreementId))) return fromProblem(E.agreementNotFound(agreementId));
    const charges = await chargeStore.ofAgreement(db, msn, agreementId, status);
    return { status: 200, body: charges.map((c) => chargeView(c.value)) };
  }

  /** Cancel (DELETE), capture, refund: 204 with no body, or Recurring's problem. */
  modifyCharge(merchant: Merchant, agreementId: string, chargeId: string, operation: 'cancel' | 'capture' | 'refund', body: ModifyChargeRequest | null, key: string): Promise<Reply> {
    return this.idempotent({ msn: merchant.msn, operation: `recurring.${operation}`, reference: `${agreementId}/${chargeId}`, key }, body, async (trx) => {
      const stored = await this.loadAgreement(trx, merchant.msn, agreementId);
      if (!stored) return fromProblem(E.agreementNotFound(agreementId));
      const c = await chargeStore.load(trx, merchant.msn, chargeId);
      if (!c || c.value.agreementId !== agreementId) return fromProblem(E.chargeNotFound(chargeId));
      const now = this.now();
      const outcome =
        operation === 'cancel' ? cancelCharge(c.value, key, now)
        : operation === 'capture' ? captureCharge(c.value, body!.amount, key, this.transactionId(), now)
        : refundCharge(c.value, body!.amount, key, now);
      if (!outcome.ok) return fromProblem(outcome.problem);
      await this.saveCharge(trx, c, outcome.charge);
      await this.publish(trx, stored.value, outcome.events, 0);
      return { status: 204 };
    });
  }

  private transactionId(): string {
    return this.deps.ids.eventPspReference();
  }

  // ------------------------------------------------------------ the calendar

  /**
   * Runs the calendar up to now: every charge step owed at or before now, in order of the instant
   * it was owed at (then MSN and id), one transaction per batch of up to BATCH_SIZE charges owed
   * at the same instant. A batch that meets another instance's change is rolled back and retried.
   * Returns how many charge steps were taken.
   */
  async processDue(batchSize = BATCH_SIZE): Promise<number> {
    const db = this.deps.database.db;
    let total = 0;
    let conflicts = 0;
    for (;;) {
      const now = this.now();
      const at = await chargeStore.firstDue(db, now);
      if (at === undefined) return total;
      try {
        total += await this.deps.database.commands.run((trx) => this.processBatch(trx, at, batchSize, now.toISOString()));
        conflicts = 0;
      } catch (err) {
        // Another instance took this batch first (shared PostgreSQL): look again.
        if (!isConcurrentUpdate(err) || (conflicts += 1) > 20) throw err;
      }
    }
  }

  /**
   * Up to `batchSize` charges owed at `at`, in one transaction, read CHUNK at a time (a processed
   * charge leaves the query: its next instant is later). Each charge's objects die with its step
   * and its events are published at once: nothing of a charge outlives the next one, so a jump
   * over 100,000 charges does not leave the heap with a batch's worth of objects promoted per
   * collection.
   */
  private async processBatch(trx: Transaction<Database>, at: string, batchSize: number, now: string): Promise<number> {
    const agreements = new Map<string, Agreement | undefined>();
    const insufficient = await fundsStore.insufficient(trx);
    const users = new Set((await this.deps.users.list(trx)).map((u) => u.phoneNumber));
    let done = 0;
    while (done < batchSize) {
      const limit = Math.min(CHUNK, batchSize - done);
      const due = await chargeStore.dueAt(trx, at, limit);
      const missing = [...new Set(due.map((c) => `${c.value.msn}\u0000${c.value.agreementId}`))].filter((k) => !agreements.has(k));
      if (missing.length > 0) {
        const keys = missing.map((k) => {
          const [msn, id] = k.split('\u0000') as [string, string];
          return { msn, id };
        });
        for (const k of missing) agreements.set(k, undefined);
        for (const a of await agreementStore.loadMany(trx, keys)) agreements.set(`${a.msn}\u0000${a.id}`, a);
      }
      const moved: MoneyMovement[] = [];
      for (let i = 0; i < due.length; i += 1) {
        const stored = due[i]!;
        due[i] = undefined as never;
        const c = stored.value;
        const a = agreements.get(`${c.msn}\u0000${c.agreementId}`);
        const phone = a?.userPhoneNumber;
        const step = processUntil(c, a, { exists: phone !== undefined && users.has(phone), insufficientFunds: phone !== undefined && insufficient.has(phone) }, this.transactionId(), now);
        await chargeStore.update(trx, stored, step.charge);
        // Stamped with the instant the money moved (a run's result, not the jump's end): a jump over days books each day's captures on it.
        moved.push(...chargeMovements(c, step.charge, step.charge.capturedAt ?? at));
        // In order: the subscribers (webhooks) see the batch's events as the calendar made them.
        if (a && step.events.length > 0) await this.deps.events.publish(trx, published(a, step.events, 0));
      }
      await this.deps.movements?.record(trx, moved);
      done += due.length;
      if (due.length < limit) break;
    }
    return done;
  }

}

/** A key's stored first response, or a conflict when the key comes back with another request. */
function replay(previous: StoredResponse, hash: string, key: string): Reply {
  if (previous.requestHash !== hash) return fromProblem(E.idempotencyConflict(key));
  if (previous.status >= 400) return { status: previous.status, problem: previous.body as RecurringProblem };
  return previous.body === null ? { status: previous.status } : { status: previous.status, body: previous.body };
}
