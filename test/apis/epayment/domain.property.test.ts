/**
 * Property tests for the pure ePayment domain (src/apis/epayment/domain.ts).
 *
 * Random command sequences (approve, reject, expire, cancel incl. cancelTransactionOnly, capture and
 * refund with arbitrary amounts incl. 0, huge ones and a wrong currency) interleaved with forward
 * clock jumps (seconds, across the 10-minute expiry, across the 180/365-day windows, exactly at the
 * boundaries) are run from a successfully created payment. After every step:
 *
 *  - an independent model written from the behaviour reference (§3.5, §3.6) predicts success/failure,
 *    the event and the documented error title; state and aggregate must equal the model's;
 *  - invariants per state:
 *      CREATED, ABORTED, EXPIRED: all sums 0
 *      AUTHORIZED: authorized = amount, captured + cancelled ≤ authorized, refunded ≤ captured,
 *                  and a cancel releases the whole rest (cancelled > 0 ⇒ captured + cancelled = authorized)
 *      TERMINATED: authorized 0, cancelled = amount, captured = refunded = 0 (documented quirk: the
 *                  cancel-before-approval response shows cancelledAmount = amount, reference §3.4/§3.6)
 *    and no sum is negative or unsafe;
 *  - the state moves only along CREATED → AUTHORIZED | ABORTED | EXPIRED | TERMINATED; finals never change;
 *  - a failed command changes nothing (input is deep-frozen) and emits no event;
 *  - every event that moves money has amount > 0, in the payment's currency, stamped with ctx.now;
 *  - replay(initial, all events) reproduces the current state, aggregate and authorizedAt;
 *  - decide is deterministic and does not read the system clock.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  create,
  decide,
  DEFAULT_EXPIRY_MS,
  evolve,
  replay,
  type Command,
  type Context,
  type CreateInput,
  type Currency,
  type EventName,
  type Outcome,
  type Payment,
  type PaymentEvent,
  type State,
  type UserFlow,
} from '../../../src/apis/epayment/domain.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const TEST_USER = '4797777776';
const CURRENCY_OF: Record<'NO' | 'DK' | 'FI', Currency> = { NO: 'NOK', DK: 'DKK', FI: 'EUR' };
const MINIMUM: Record<Currency, number> = { NOK: 100, DKK: 1, EUR: 1 };
const FINAL: readonly State[] = ['AUTHORIZED', 'ABORTED', 'EXPIRED', 'TERMINATED'];
const MONEY_EVENTS: readonly EventName[] = ['AUTHORIZED', 'TERMINATED', 'CAPTURED', 'REFUNDED', 'CANCELLED'];

// ---------------------------------------------------------------------------------------------
// Helpers

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

/** A context whose pspReferences come from a counter, so two runs can be compared. */
function contextAt(now: number, firstId: number): Context & { used: () => number } {
  let next = firstId;
  return { now: new Date(now), newPspReference: () => `psp-${next++}`, used: () => next - firstId };
}

const sums = (p: Payment) => ({ A: p.aggregate.authorized, X: p.aggregate.cancelled, C: p.aggregate.captured, R: p.aggregate.refunded });

const baseInput = (over: Partial<CreateInput> = {}): CreateInput => ({
  msn: '123456',
  reference: 'order-0001',
  amount: { currency: 'NOK', value: 1000 },
  paymentMethod: 'WALLET',
  userFlow: 'WEB_REDIRECT',
  returnUrl: 'https://shop.example/return?order=0001',
  hasReceipt: false,
  idempotencyKey: 'create-key',
  pspReference: 'psp-created',
  redirectToken: 'token-1',
  merchant: { country: 'NO', allowSkipLandingPage: true, allowLongLiving: true },
  ...over,
});

function mustCreate(input: CreateInput, now: number): { payment: Payment; events: PaymentEvent[] } {
  const outcome = create(input, contextAt(now, 0));
  if (!outcome.ok) throw new Error(`create failed: ${outcome.problem.title} (${outcome.problem.detail})`);
  return outcome;
}

function mustDecide(payment: Payment, command: Command, now: number): { payment: Payment; events: PaymentEvent[] } {
  const outcome = decide(payment, command, contextAt(now, 1000));
  if (!outcome.ok) throw new Error(`${command.type} failed: ${outcome.problem.title} (${outcome.problem.detail})`);
  return outcome;
}

function titleOf(outcome: Outcome): string | undefined {
  return outcome.ok ? undefined : outcome.problem.title;
}

// ---------------------------------------------------------------------------------------------
// The model: the reference's rules, stated independently of the implementation.

interface Model {
  state: State;
  A: number;
  X: number;
  C: number;
  R: number;
  authorizedAt?: number;
}

type Prediction =
  | { kind: 'success'; event: EventName; value: number }
  /** Fails; the title must be one of these (any when undefined: the reference documents none). */
  | { kind: 'failure'; titles?: string[] }
  /** Undocumented (reference §6 q4/q11): either a success without events and changes, or a failure. */
  | { kind: 'noop-or-failure' };

function predict(m: Model, payment: Payment, command: Command, now: number): Prediction {
  const expiresAt = Date.parse(payment.expiresAt);
  const amount = payment.amount.value;
  const pending = m.state === 'CREATED' && now < expiresAt;
  const expiredButNotYetMarked = m.state === 'CREATED' && now >= expiresAt;
  const sinceAuthorization = m.authorizedAt === undefined ? 0 : now - m.authorizedAt;
  const fail = (titles?: string[]): Prediction => ({ kind: 'failure', ...(titles ? { titles } : {}) });

  switch (command.type) {
    case 'approve':
      if (pending) return { kind: 'success', event: 'AUTHORIZED', value: amount };
      return fail(m.state === 'AUTHORIZED' ? ['Payment is already reserved'] : undefined);
    case 'reject':
      return pending ? { kind: 'success', event: 'ABORTED', value: amount } : fail();
    // A declined card is a failed attempt (success: false) that changes nothing: not generated here.
    case 'decline':
      throw new Error('decline is not among the generated commands');
    case 'expire':
      return expiredButNotYetMarked ? { kind: 'success', event: 'EXPIRED', value: amount } : fail();
    case 'cancel': {
      // Before approval, cancel (with or without cancelTransactionOnly) terminates the payment.
      if (pending) return { kind: 'success', event: 'TERMINATED', value: amount };
      if (m.state === 'TERMINATED') return { kind: 'noop-or-failure' };
      if (m.state !== 'AUTHORIZED') return fail();
      const rest = m.A - m.C - m.X;
      const violated: string[] = [];
      if (command.cancelTransactionOnly) violated.push('Cannot cancel authorized payment');
      if (sinceAuthorization > 180 * DAY) violated.push('Cancel period expired');
      if (rest === 0 && m.X === 0) violated.push('Cannot cancel a captured payment');
      if (violated.length) return fail(violated);
      if (rest > 0) return { kind: 'success', event: 'CANCELLED', value: rest };
      return { kind: 'noop-or-failure' }; // the rest was already released
    }
    case 'capture': {
      const v = command.amount.value;
      if (command.amount.currency !== payment.amount.currency || v <= 0) return fail(); // undocumented titles
      if (pending) return fail(['Cannot capture before reservation']);
      if (m.state !== 'AUTHORIZED') return fail();
      const violated: string[] = [];
      if (m.X > 0) violated.push('Cannot capture a cancelled payment');
      if (sinceAuthorization > 180 * DAY) violated.push('Capture period expired');
      if (v > m.A - m.C - m.X) violated.push('Capture amount too high');
      return violated.length ? fail(violated) : { kind: 'success', event: 'CAPTURED', value: v };
    }
    case 'refund': {
      const v = command.amount.value;
      if (command.amount.currency !== payment.amount.currency || v <= 0) return fail();
      if (pending) return fail(['Attempted refund before reservation']);
      if (m.state !== 'AUTHORIZED') return fail();
      const violated: string[] = [];
      if (sinceAuthorization > 365 * DAY) violated.push('Refund period expired');
      if (v > m.C - m.R) violated.push('Not enough refundable', ...(m.C > 0 && m.C === m.R ? ['Payment already refunded'] : []));
      return violated.length ? fail(violated) : { kind: 'success', event: 'REFUNDED', value: v };
    }
  }
}

function applyToModel(m: Model, event: EventName, value: number, now: number): Model {
  switch (event) {
    case 'AUTHORIZED':
      return { ...m, state: 'AUTHORIZED', A: value, authorizedAt: now };
    case 'ABORTED':
    case 'EXPIRED':
      return { ...m, state: event };
    case 'TERMINATED':
      return { ...m, state: 'TERMINATED', X: m.X + value };
    case 'CAPTURED':
      return { ...m, C: m.C + value };
    case 'REFUNDED':
      return { ...m, R: m.R + value };
    case 'CANCELLED':
      return { ...m, X: m.X + value };
    case 'CREATED':
      return m;
  }
}

// ---------------------------------------------------------------------------------------------
// Invariants, stated per state.

function checkInvariants(p: Payment, where: string) {
  const { A, X, C, R } = sums(p);
  const amount = p.amount.value;
  for (const [name, v] of Object.entries({ A, X, C, R })) {
    expect(Number.isSafeInteger(v) && v >= 0, `${where}: ${name}=${v} is a non-negative safe integer`).toBe(true);
  }
  switch (p.state) {
    case 'CREATED':
    case 'ABORTED':
    case 'EXPIRED':
      expect({ A, X, C, R }, `${where}: ${p.state} has no money moved`).toEqual({ A: 0, X: 0, C: 0, R: 0 });
      break;
    case 'AUTHORIZED':
      expect(A, `${where}: authorized = amount`).toBe(amount);
      expect(C + X <= A, `${where}: captured ${C} + cancelled ${X} ≤ authorized ${A}`).toBe(true);
      expect(R <= C, `${where}: refunded ${R} ≤ captured ${C}`).toBe(true);
      if (X > 0) expect(C + X, `${where}: a cancel releases the whole rest`).toBe(A);
      expect(p.authorizedAt, `${where}: AUTHORIZED has authorizedAt`).toBeDefined();
      break;
    case 'TERMINATED':
      // Documented quirk: cancelledAmount = amount although nothing was authorized.
      expect({ A, X, C, R }, `${where}: TERMINATED sums`).toEqual({ A: 0, X: amount, C: 0, R: 0 });
      break;
  }
}

function allowedTransition(from: State, to: State): boolean {
  return from === to || (from === 'CREATED' && FINAL.includes(to));
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

type AmountSpec =
  | { kind: 'abs'; value: number }
  /** A fraction of the amount, of what is left to capture, or of what is left to refund; ± 1 for the boundaries. */
  | { kind: 'rel'; of: 'amount' | 'capturable' | 'refundable'; fraction: number; delta: number };
type CommandSpec =
  | { type: 'approve' }
  | { type: 'reject' }
  | { type: 'expire' }
  | { type: 'cancel'; cancelTransactionOnly: boolean | undefined }
  | { type: 'capture' | 'refund'; amount: AmountSpec; currency: Currency | 'same' };
type Jump = { kind: 'ms'; ms: number } | { kind: 'expiry'; delta: number } | { kind: 'window'; days: 180 | 365; delta: number };
type Step = { kind: 'tick'; jump: Jump } | { kind: 'command'; command: CommandSpec };

/** Amounts: absolute (0, 1, the schema maximum, far beyond) or relative to what the command can move. */
const amountSpecArb = (natural: 'capturable' | 'refundable'): fc.Arbitrary<AmountSpec> =>
  fc.oneof(
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('abs' as const),
        value: fc.oneof(fc.constantFrom(0, 1, 99, 100, 250, 65_000_000, 65_000_001, 2 ** 31, Number.MAX_SAFE_INTEGER), fc.integer({ min: 0, max: 65_000_000 })),
      }),
    },
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant('rel' as const),
        of: fc.oneof({ weight: 4, arbitrary: fc.constant(natural) }, { weight: 1, arbitrary: fc.constantFrom('amount' as const, 'capturable' as const, 'refundable' as const) }),
        fraction: fc.constantFrom(0, 0.25, 1 / 3, 0.5, 0.5, 1, 1, 1, 1.5, 4),
        delta: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.constantFrom(-1, 1) }),
      }),
    },
  );
const currencyArb = fc.oneof({ weight: 12, arbitrary: fc.constant('same' as const) }, { weight: 1, arbitrary: fc.constantFrom<Currency>('NOK', 'DKK', 'EUR') });
const moneyCommand = (type: 'capture' | 'refund') =>
  fc.record({ type: fc.constant(type), amount: amountSpecArb(type === 'capture' ? 'capturable' : 'refundable'), currency: currencyArb });

const commandArb: fc.Arbitrary<CommandSpec> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ type: 'approve' as const }) },
  { weight: 1, arbitrary: fc.constant({ type: 'reject' as const }) },
  { weight: 1, arbitrary: fc.constant({ type: 'expire' as const }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('cancel' as const), cancelTransactionOnly: fc.constantFrom(undefined, false, true) }) },
  { weight: 8, arbitrary: moneyCommand('capture') },
  { weight: 7, arbitrary: moneyCommand('refund') },
);

const jumpArb: fc.Arbitrary<Jump> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('ms' as const), ms: fc.integer({ min: 0, max: 2 * MINUTE }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('ms' as const), ms: fc.integer({ min: MINUTE, max: 30 * MINUTE }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ms' as const), ms: fc.integer({ min: DAY, max: 400 * DAY }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('expiry' as const), delta: fc.integer({ min: -1, max: 1 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('window' as const), days: fc.constantFrom(180 as const, 365 as const), delta: fc.integer({ min: -1, max: 1 }) }) },
);

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('command' as const), command: commandArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), jump: jumpArb }) },
);

interface Scenario {
  input: CreateInput;
  start: number;
}

/** Valid create inputs: every userFlow, each with what it needs; long-living only where allowed. */
const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    country: fc.constantFrom<'NO' | 'DK' | 'FI'>('NO', 'NO', 'NO', 'DK', 'FI'),
    userFlow: fc.constantFrom<UserFlow>('WEB_REDIRECT', 'NATIVE_REDIRECT', 'PUSH_MESSAGE', 'QR'),
    // NOK payments start at 100 øre; DKK and EUR at 1 (reference §3.2): smaller values are raised to the minimum.
    value: fc.oneof(fc.integer({ min: 1, max: 65_000_000 }), fc.constantFrom(1, 2, 3, 100, 250, 1000, 65_000_000)),
    reference: fc.stringMatching(/^[a-zA-Z0-9-]{8,50}$/),
    start: fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2035-01-01T00:00:00Z') }),
    longLivingMinutes: fc.option(fc.integer({ min: 11, max: 28 * 24 * 60 - 1 }), { freq: 3 }),
    customScheme: fc.boolean(),
    withPhone: fc.boolean(),
    scope: fc.option(fc.constantFrom('name', 'name phoneNumber', 'email address birthDate')),
    interaction: fc.constantFrom(undefined, 'CUSTOMER_PRESENT' as const, 'CUSTOMER_NOT_PRESENT' as const),
    metadata: fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 100 }), fc.string({ maxLength: 500 }), { maxKeys: 5 })),
  })
  .map((s) => {
    const currency = CURRENCY_OF[s.country];
    const longLiving = s.longLivingMinutes !== null && (s.userFlow === 'PUSH_MESSAGE' || s.userFlow === 'QR');
    const input: CreateInput = baseInput({
      reference: s.reference,
      amount: { currency, value: Math.max(s.value, MINIMUM[currency]) },
      userFlow: s.userFlow,
      returnUrl: s.userFlow === 'PUSH_MESSAGE' ? undefined : s.customScheme && s.userFlow !== 'WEB_REDIRECT' ? 'myshop://return' : 'https://shop.example/return',
      ...(s.userFlow === 'PUSH_MESSAGE' || s.withPhone ? { customer: { phoneNumber: TEST_USER } } : {}),
      ...(s.scope !== null ? { profileScope: s.scope } : {}),
      ...(s.interaction ? { customerInteraction: s.interaction } : {}),
      ...(s.metadata !== null ? { metadata: s.metadata } : {}),
      ...(s.userFlow === 'QR' ? { qrFormat: { format: 'IMAGE/PNG', size: 512 } } : {}),
      hasReceipt: longLiving,
      expiresAt: longLiving ? new Date(s.start + s.longLivingMinutes! * MINUTE).toISOString() : null,
      merchant: { country: s.country, allowSkipLandingPage: true, allowLongLiving: true },
    });
    return { input, start: s.start };
  });

function resolveAmount(spec: AmountSpec, p: Payment): number {
  if (spec.kind === 'abs') return spec.value;
  const a = p.aggregate;
  const base = spec.of === 'amount' ? p.amount.value : spec.of === 'capturable' ? a.authorized - a.captured - a.cancelled : a.captured - a.refunded;
  // Negative amounts are impossible by schema: clamp at 0.
  return Math.max(0, Math.floor(base * spec.fraction) + spec.delta);
}

function resolveCommand(spec: CommandSpec, p: Payment, index: number): Command {
  switch (spec.type) {
    case 'approve':
      return { type: 'approve', phoneNumber: TEST_USER, sub: 'sub-of-test-user' };
    case 'reject':
      return { type: 'reject', phoneNumber: TEST_USER };
    case 'expire':
      return { type: 'expire' };
    case 'cancel':
      return { type: 'cancel', idempotencyKey: `cancel-${index}`, ...(spec.cancelTransactionOnly === undefined ? {} : { cancelTransactionOnly: spec.cancelTransactionOnly }) };
    case 'capture':
    case 'refund':
      return {
        type: spec.type,
        idempotencyKey: `${spec.type}-${index}`,
        amount: { currency: spec.currency === 'same' ? p.amount.currency : spec.currency, value: resolveAmount(spec.amount, p) },
      };
  }
}

/** Time only moves forward: a jump to a target in the past is a no-op. */
function resolveJump(jump: Jump, p: Payment, now: number): number {
  switch (jump.kind) {
    case 'ms':
      return now + jump.ms;
    case 'expiry':
      return Math.max(now, Date.parse(p.expiresAt) + jump.delta);
    case 'window':
      return Math.max(now, Date.parse(p.authorizedAt ?? p.createdAt) + jump.days * DAY + jump.delta);
  }
}

// ---------------------------------------------------------------------------------------------
// The run

/** Labels of interesting situations reached, to prove the generators are not vacuous. */
const coverage = new Map<string, number>();
const hit = (label: string) => coverage.set(label, (coverage.get(label) ?? 0) + 1);

/**
 * How a run starts: approved after a short delay (most runs, so that money moves), as generated, or
 * expired at once.
 */
const prefixArb: fc.Arbitrary<Step[]> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.integer({ min: 0, max: 9 * MINUTE }).map((ms): Step[] => [
      { kind: 'tick', jump: { kind: 'ms', ms } },
      { kind: 'command', command: { type: 'approve' } },
    ]),
  },
  { weight: 3, arbitrary: fc.constant<Step[]>([]) },
  {
    weight: 1,
    arbitrary: fc.constant<Step[]>([
      { kind: 'tick', jump: { kind: 'expiry', delta: 0 } },
      { kind: 'command', command: { type: 'expire' } },
    ]),
  },
);

function runScenario(scenario: Scenario, prefix: Step[], steps: Step[]) {
  const created = create(scenario.input, contextAt(scenario.start, 0));
  if (!created.ok) throw new Error(`valid input was rejected: ${created.problem.title} (${created.problem.detail}) ${JSON.stringify(scenario.input)}`);
  const initial = deepFreeze(created.payment);
  const log: PaymentEvent[] = [...created.events];
  let payment = initial;
  let model: Model = { state: 'CREATED', A: 0, X: 0, C: 0, R: 0 };
  let now = scenario.start;
  let nextId = 1;
  const seenPsp = new Set(log.map((e) => e.pspReference));
  const all: Step[] = [...prefix, ...steps];

  all.forEach((step, index) => {
    if (step.kind === 'tick') {
      const next = resolveJump(step.jump, payment, now);
      expect(next >= now, 'time moves forward').toBe(true);
      now = next;
      return;
    }
    const command = resolveCommand(step.command, payment, index);
    const where = `step ${index} ${JSON.stringify(command)} at +${now - scenario.start}ms on ${payment.state} ${JSON.stringify(sums(payment))}`;
    const before = JSON.stringify(payment);
    const prediction = predict(model, payment, command, now);

    // Deterministic and clock-free: the same call under two different system clocks gives the same outcome.
    vi.setSystemTime(new Date('2001-02-03T04:05:06Z'));
    const ctx = contextAt(now, nextId);
    const outcome = decide(payment, command, ctx);
    vi.setSystemTime(new Date('2099-12-31T23:59:59Z'));
    expect(decide(payment, command, contextAt(now, nextId)), `${where}: decide is deterministic and ignores the system clock`).toEqual(outcome);
    nextId += ctx.used();
    expect(JSON.stringify(payment), `${where}: decide does not modify its input`).toBe(before);

    if (!outcome.ok) {
      hit(`fail:${command.type}:${outcome.problem.title}`);
      expect('events' in outcome, `${where}: a failure emits no events`).toBe(false);
      expect(outcome.problem.status >= 400 && outcome.problem.status < 500, `${where}: failure status ${outcome.problem.status} is 4xx`).toBe(true);
      expect(outcome.problem.title.length > 0).toBe(true);
      if (prediction.kind === 'success') expect.fail(`${where}: expected ${prediction.event} ${prediction.value}, got "${outcome.problem.title}" (${outcome.problem.detail})`);
      if (prediction.kind === 'failure' && prediction.titles) {
        expect(prediction.titles, `${where}: failure title (detail: ${outcome.problem.detail})`).toContain(outcome.problem.title);
      }
      // Nothing changed: we keep the very same (frozen) payment.
      checkInvariants(payment, where);
      return;
    }

    if (prediction.kind === 'failure') {
      expect.fail(`${where}: expected a failure${prediction.titles ? ` (${prediction.titles.join(' | ')})` : ''}, got success with ${JSON.stringify(outcome.events)}`);
    }
    const { events } = outcome;
    if (prediction.kind === 'noop-or-failure') {
      hit(`noop:${command.type}:${payment.state}`);
      expect(events, `${where}: undocumented case may only succeed as a no-op`).toEqual([]);
      expect({ state: outcome.payment.state, sums: sums(outcome.payment) }).toEqual({ state: payment.state, sums: sums(payment) });
    } else {
      hit(`ok:${prediction.event}`);
      expect(events.map((e) => `${e.name} ${e.amount.value}`), `${where}: emitted event`).toEqual([`${prediction.event} ${prediction.value}`]);
    }

    for (const e of events) {
      expect(e.reference).toBe(payment.reference);
      expect(e.amount.currency, `${where}: event currency`).toBe(payment.amount.currency);
      expect(e.timestamp, `${where}: event time is ctx.now`).toBe(new Date(now).toISOString());
      expect(e.success).toBe(true);
      if (MONEY_EVENTS.includes(e.name)) expect(e.amount.value > 0 && Number.isSafeInteger(e.amount.value), `${where}: ${e.name} moves a positive amount`).toBe(true);
      expect(seenPsp.has(e.pspReference), `${where}: event pspReference ${e.pspReference} is new`).toBe(false);
      seenPsp.add(e.pspReference);
      if (e.name === 'AUTHORIZED') expect(e.idempotencyKey, 'AUTHORIZED carries the create key (reference §3.7)').toBe(scenario.input.idempotencyKey);
      if (e.name === 'CAPTURED' || e.name === 'REFUNDED') expect(e.idempotencyKey, `${e.name} carries its request's key`).toBe((command as { idempotencyKey: string }).idempotencyKey);
    }

    const next = deepFreeze(outcome.payment);
    expect(allowedTransition(payment.state, next.state), `${where}: ${payment.state} → ${next.state} is allowed`).toBe(true);
    // Only state, sums, authorizedAt and who acted may change.
    const { state: _s1, aggregate: _a1, authorizedAt: _t1, userPhoneNumber: _u1, sub: _sub1, ...restBefore } = payment;
    const { state: _s2, aggregate: _a2, authorizedAt: _t2, userPhoneNumber: _u2, sub: _sub2, ...restAfter } = next;
    expect(restAfter, `${where}: other fields unchanged`).toEqual(restBefore);
    if (next.state === 'AUTHORIZED' && payment.state === 'CREATED') {
      expect(next.sub, 'sub only with a profile scope').toBe(payment.profileScope ? 'sub-of-test-user' : undefined);
    }

    payment = next;
    log.push(...events);
    for (const e of events) model = applyToModel(model, e.name, e.amount.value, now);
    checkInvariants(payment, where);
    expect({ state: payment.state, ...sums(payment) }, `${where}: equals the model`).toEqual({ state: model.state, A: model.A, X: model.X, C: model.C, R: model.R });
    if (payment.state === 'AUTHORIZED') {
      const { A, X, C, R } = sums(payment);
      if (C > 0 && X > 0) hit('state:captured-and-cancelled');
      if (R > 0 && R === C) hit('state:fully-refunded');
      if (C === A && X === 0) hit('state:fully-captured');
    }
  });

  const rebuilt = replay(initial, log);
  expect({ state: rebuilt.state, aggregate: rebuilt.aggregate, authorizedAt: rebuilt.authorizedAt }, 'replay(initial, events) = current').toEqual({
    state: payment.state,
    aggregate: payment.aggregate,
    authorizedAt: payment.authorizedAt,
  });
  // And step by step: evolve is the only place sums change.
  expect(log.reduce(evolve, { ...initial, aggregate: { authorized: 0, cancelled: 0, captured: 0, refunded: 0 } }).aggregate).toEqual(payment.aggregate);
  hit(`final:${payment.state}`);
}

describe('ePayment domain: properties', () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  it('every valid create succeeds: CREATED, zero sums, one CREATED event, documented expiry', () => {
    fc.assert(
      fc.property(scenarioArb, ({ input, start }) => {
        const outcome = create(input, contextAt(start, 0));
        expect(titleOf(outcome), JSON.stringify(input)).toBeUndefined();
        if (!outcome.ok) return;
        const p = outcome.payment;
        expect(p.state).toBe('CREATED');
        expect(sums(p)).toEqual({ A: 0, X: 0, C: 0, R: 0 });
        expect(p.amount).toEqual(input.amount);
        expect(p.createdAt).toBe(new Date(start).toISOString());
        expect(p.expiresAt).toBe(input.expiresAt ? new Date(input.expiresAt).toISOString() : new Date(start + DEFAULT_EXPIRY_MS).toISOString());
        expect(p.customerInteraction).toBe(input.customerInteraction ?? 'CUSTOMER_NOT_PRESENT');
        expect(outcome.events).toEqual([
          { reference: input.reference, pspReference: input.pspReference, name: 'CREATED', amount: input.amount, timestamp: new Date(start).toISOString(), idempotencyKey: input.idempotencyKey, success: true },
        ]);
      }),
      { numRuns: 300 },
    );
  });

  it('random command sequences with clock jumps keep every invariant, match the model, and replay', () => {
    fc.assert(
      fc.property(scenarioArb, prefixArb, fc.array(stepArb, { maxLength: 50 }), (scenario, prefix, steps) => {
        runScenario(scenario, prefix, steps);
      }),
      { numRuns: 2000 },
    );
    // The generators reach the interesting corners (otherwise the property proves little).
    const labels = [...coverage.keys()];
    const must = [
      'ok:AUTHORIZED', 'ok:ABORTED', 'ok:EXPIRED', 'ok:TERMINATED', 'ok:CAPTURED', 'ok:REFUNDED', 'ok:CANCELLED',
      'fail:capture:Capture amount too high', 'fail:capture:Cannot capture a cancelled payment', 'fail:capture:Cannot capture before reservation',
      'fail:capture:Capture period expired', 'fail:refund:Not enough refundable', 'fail:refund:Refund period expired',
      'fail:cancel:Cannot cancel a captured payment', 'fail:cancel:Cannot cancel authorized payment', 'fail:cancel:Cancel period expired',
      'fail:approve:Payment is already reserved', 'state:captured-and-cancelled', 'state:fully-refunded', 'state:fully-captured',
      'final:CREATED', 'final:AUTHORIZED', 'final:ABORTED', 'final:EXPIRED', 'final:TERMINATED',
    ];
    expect(must.filter((m) => !labels.includes(m)), 'situations never reached').toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Examples

describe('ePayment domain: worked sequence (reference §3.6)', () => {
  it('1000 NOK: approve, capture 250, cancel → 750, capture 1 fails, refund 100, refund 200 fails', () => {
    const t0 = Date.parse('2024-03-01T12:00:00Z');
    const { payment: p0, events: e0 } = mustCreate(baseInput(), t0);
    expect(p0.state).toBe('CREATED');
    expect(sums(p0)).toEqual({ A: 0, X: 0, C: 0, R: 0 });

    const approved = mustDecide(p0, { type: 'approve', phoneNumber: TEST_USER }, t0 + MINUTE);
    expect(approved.payment.state).toBe('AUTHORIZED');
    expect(sums(approved.payment)).toEqual({ A: 1000, X: 0, C: 0, R: 0 });

    const captured = mustDecide(approved.payment, { type: 'capture', amount: { currency: 'NOK', value: 250 }, idempotencyKey: 'c1' }, t0 + 2 * MINUTE);
    expect(sums(captured.payment)).toEqual({ A: 1000, X: 0, C: 250, R: 0 });

    const cancelled = mustDecide(captured.payment, { type: 'cancel', idempotencyKey: 'x1' }, t0 + 3 * MINUTE);
    expect(cancelled.payment.state).toBe('AUTHORIZED');
    expect(sums(cancelled.payment)).toEqual({ A: 1000, X: 750, C: 250, R: 0 });

    const capture1 = decide(cancelled.payment, { type: 'capture', amount: { currency: 'NOK', value: 1 }, idempotencyKey: 'c2' }, contextAt(t0 + 4 * MINUTE, 50));
    expect(titleOf(capture1)).toBe('Cannot capture a cancelled payment');

    const refunded = mustDecide(cancelled.payment, { type: 'refund', amount: { currency: 'NOK', value: 100 }, idempotencyKey: 'r1' }, t0 + 5 * MINUTE);
    expect(sums(refunded.payment)).toEqual({ A: 1000, X: 750, C: 250, R: 100 });

    const refund200 = decide(refunded.payment, { type: 'refund', amount: { currency: 'NOK', value: 200 }, idempotencyKey: 'r2' }, contextAt(t0 + 6 * MINUTE, 60));
    expect(titleOf(refund200)).toBe('Not enough refundable');

    const log = [...e0, ...approved.events, ...captured.events, ...cancelled.events, ...refunded.events];
    expect(log.map((e) => `${e.name} ${e.amount.value}`)).toEqual(['CREATED 1000', 'AUTHORIZED 1000', 'CAPTURED 250', 'CANCELLED 750', 'REFUNDED 100']);
    expect(sums(replay(p0, log))).toEqual({ A: 1000, X: 750, C: 250, R: 100 });
  });

  it('cancel before approval: TERMINATED with cancelled = amount, authorized 0 (reference §3.4)', () => {
    const t0 = Date.parse('2024-03-01T12:00:00Z');
    const { payment } = mustCreate(baseInput(), t0);
    const out = mustDecide(payment, { type: 'cancel', idempotencyKey: 'x' }, t0 + MINUTE);
    expect(out.payment.state).toBe('TERMINATED');
    expect(sums(out.payment)).toEqual({ A: 0, X: 1000, C: 0, R: 0 });
    expect(out.events.map((e) => `${e.name} ${e.amount.value}`)).toEqual(['TERMINATED 1000']);
  });

  it('time windows: capture and cancel up to 180 days, refund up to 365 days after authorization', () => {
    const t0 = Date.parse('2024-03-01T12:00:00Z');
    const { payment } = mustCreate(baseInput(), t0);
    const { payment: p } = mustDecide(payment, { type: 'approve' }, t0);
    const capture = (at: number) => decide(p, { type: 'capture', amount: { currency: 'NOK', value: 100 }, idempotencyKey: 'c' }, contextAt(at, 10));
    expect(titleOf(capture(t0 + 180 * DAY))).toBeUndefined();
    expect(titleOf(capture(t0 + 180 * DAY + 1))).toBe('Capture period expired');
    const cancel = (at: number) => decide(p, { type: 'cancel', idempotencyKey: 'x' }, contextAt(at, 10));
    expect(titleOf(cancel(t0 + 180 * DAY))).toBeUndefined();
    expect(titleOf(cancel(t0 + 180 * DAY + 1))).toBe('Cancel period expired');
    const { payment: captured } = mustDecide(p, { type: 'capture', amount: { currency: 'NOK', value: 500 }, idempotencyKey: 'c' }, t0 + DAY);
    const refund = (at: number) => decide(captured, { type: 'refund', amount: { currency: 'NOK', value: 100 }, idempotencyKey: 'r' }, contextAt(at, 10));
    expect(titleOf(refund(t0 + 365 * DAY))).toBeUndefined();
    expect(titleOf(refund(t0 + 365 * DAY + 1))).toBe('Refund period expired');
  });

  it('default expiry is 10 minutes: approve fails and expire succeeds from expiresAt on', () => {
    const t0 = Date.parse('2024-03-01T12:00:00Z');
    const { payment } = mustCreate(baseInput(), t0);
    expect(titleOf(decide(payment, { type: 'approve' }, contextAt(t0 + 10 * MINUTE - 1, 1)))).toBeUndefined();
    expect(titleOf(decide(payment, { type: 'expire' }, contextAt(t0 + 10 * MINUTE - 1, 1)))).toBeDefined();
    expect(titleOf(decide(payment, { type: 'approve' }, contextAt(t0 + 10 * MINUTE, 1)))).toBeDefined();
    const expired = mustDecide(payment, { type: 'expire' }, t0 + 10 * MINUTE);
    expect(expired.payment.state).toBe('EXPIRED');
  });
});

describe('ePayment domain: create validation (reference §3.2 cross-field rules)', () => {
  const t0 = Date.parse('2024-03-01T12:00:00Z');
  const attempt = (over: Partial<CreateInput>) => create(baseInput(over), contextAt(t0, 0));
  const problemOf = (over: Partial<CreateInput>) => {
    const outcome = attempt(over);
    return outcome.ok ? undefined : { status: outcome.problem.status, title: outcome.problem.title, detail: outcome.problem.detail };
  };
  const inMinutes = (m: number) => new Date(t0 + m * MINUTE).toISOString();

  it('the base input is valid', () => {
    expect(problemOf({})).toBeUndefined();
  });

  it('rule 1: PUSH_MESSAGE needs a customer, and the sales unit must be allowed to skip the landing page', () => {
    expect(problemOf({ userFlow: 'PUSH_MESSAGE', returnUrl: undefined })).toMatchObject({ status: 400, title: 'Missing required parameter' });
    expect(problemOf({ userFlow: 'PUSH_MESSAGE', customer: { phoneNumber: TEST_USER }, merchant: { country: 'NO', allowSkipLandingPage: false, allowLongLiving: true } })).toMatchObject({
      status: 403,
      title: 'Skip landing page not allowed',
    });
    expect(problemOf({ userFlow: 'PUSH_MESSAGE', customer: { phoneNumber: TEST_USER } })).toBeUndefined();
  });

  it('rule 2: WEB_REDIRECT needs a valid returnUrl (https or a custom scheme)', () => {
    expect(problemOf({ returnUrl: undefined })).toMatchObject({ status: 400, title: 'Missing required parameter' });
    expect(problemOf({ returnUrl: 'http://example.com' })).toMatchObject({ status: 400, title: 'Invalid URL', detail: 'The parameter http://example.com is invalid.' });
    expect(problemOf({ returnUrl: 'not a url' })).toMatchObject({ title: 'Invalid URL' });
    expect(problemOf({ returnUrl: 'https://shop.example/return' })).toBeUndefined();
    expect(problemOf({ returnUrl: 'myshop://return' })).toBeUndefined();
  });

  it('rule 3: CARD only with WEB_REDIRECT; NATIVE_REDIRECT, PUSH_MESSAGE, QR, receipt and expiresAt only with WALLET', () => {
    // The reference documents no title for these; the emulator must refuse them with a 400.
    for (const userFlow of ['NATIVE_REDIRECT', 'PUSH_MESSAGE', 'QR'] as const) {
      expect(problemOf({ paymentMethod: 'CARD', userFlow, customer: { phoneNumber: TEST_USER } }), `CARD + ${userFlow}`).toMatchObject({ status: 400 });
    }
    expect(problemOf({ paymentMethod: 'CARD', hasReceipt: true }), 'CARD + receipt').toMatchObject({ status: 400 });
    expect(problemOf({ paymentMethod: 'CARD', expiresAt: inMinutes(60), hasReceipt: true }), 'CARD + expiresAt').toMatchObject({ status: 400 });
    expect(problemOf({ paymentMethod: 'CARD' }), 'CARD + WEB_REDIRECT').toBeUndefined();
    expect(problemOf({ hasReceipt: true }), 'WALLET + receipt').toBeUndefined();
  });

  it('rule 4: expiresAt only with PUSH_MESSAGE or QR, with a receipt, more than 10 minutes and less than 28 days ahead', () => {
    const qr = { userFlow: 'QR' as const, returnUrl: undefined, hasReceipt: true };
    expect(problemOf({ expiresAt: inMinutes(60), hasReceipt: true })).toMatchObject({ status: 400, title: 'ExpiresAt not allowed' });
    expect(problemOf({ userFlow: 'NATIVE_REDIRECT', expiresAt: inMinutes(60), hasReceipt: true })).toMatchObject({ title: 'ExpiresAt not allowed' });
    expect(problemOf({ ...qr, hasReceipt: false, expiresAt: inMinutes(60) })).toMatchObject({ status: 400, title: 'Long-living payments require a receipt' });
    expect(problemOf({ ...qr, expiresAt: inMinutes(10) })).toMatchObject({ status: 400, title: 'Expiration date invalid' });
    expect(problemOf({ ...qr, expiresAt: inMinutes(5) })).toMatchObject({ title: 'Expiration date invalid' });
    expect(problemOf({ ...qr, expiresAt: new Date(t0 + 10 * MINUTE + 1000).toISOString() })).toBeUndefined();
    expect(problemOf({ ...qr, expiresAt: new Date(t0 + 28 * DAY - 1000).toISOString() })).toBeUndefined();
    expect(problemOf({ ...qr, expiresAt: new Date(t0 + 28 * DAY).toISOString() })).toMatchObject({ title: 'Expiration date invalid' });
    expect(problemOf({ ...qr, expiresAt: inMinutes(60), merchant: { country: 'NO', allowSkipLandingPage: true, allowLongLiving: false } })).toMatchObject({
      status: 403,
      title: 'Long-living payment not allowed',
    });
    expect(problemOf({ userFlow: 'PUSH_MESSAGE', customer: { phoneNumber: TEST_USER }, returnUrl: undefined, hasReceipt: true, expiresAt: inMinutes(60) })).toBeUndefined();
    const ok = attempt({ ...qr, expiresAt: '2024-03-02T12:00:00+01:00' });
    expect(ok.ok && ok.payment.expiresAt).toBe('2024-03-02T11:00:00.000Z');
  });

  it('rule 5: qrFormat only with QR; size applies to IMAGE/PNG only and is ignored with another format', () => {
    expect(problemOf({ qrFormat: { format: 'IMAGE/SVG+XML' } }), 'qrFormat with WEB_REDIRECT').toMatchObject({ status: 400 });
    // What Vipps' own Postman collection sends (docs/decisions.md, Official clients).
    expect(problemOf({ userFlow: 'QR', qrFormat: { format: 'IMAGE/SVG+XML', size: 1024 } }), 'size with SVG').toBeUndefined();
    expect(problemOf({ userFlow: 'QR', qrFormat: { format: 'TEXT/TARGETURL', size: 200 } }), 'size with TEXT').toBeUndefined();
    const svg = attempt({ userFlow: 'QR', returnUrl: undefined, qrFormat: { format: 'IMAGE/SVG+XML', size: 1024 } });
    expect(svg.ok && svg.payment.qrFormat, 'the size is not kept').toEqual({ format: 'IMAGE/SVG+XML' });
    expect(problemOf({ userFlow: 'QR', qrFormat: { format: 'IMAGE/PNG', size: 200 } })).toBeUndefined();
    expect(problemOf({ userFlow: 'QR', qrFormat: { format: 'IMAGE/SVG+XML', size: null } })).toBeUndefined();
  });

  it('amounts and currencies: NOK minimum 100, currency of the sales unit, customer with exactly one identifier', () => {
    expect(problemOf({ amount: { currency: 'NOK', value: 99 } })).toMatchObject({ status: 400, title: 'Amount too small' });
    expect(problemOf({ amount: { currency: 'NOK', value: 0 } })).toMatchObject({ title: 'Amount too small' });
    expect(problemOf({ amount: { currency: 'NOK', value: 100 } })).toBeUndefined();
    expect(problemOf({ amount: { currency: 'DKK', value: 1000 } })).toMatchObject({ status: 400, title: 'Invalid currency for merchant' });
    expect(problemOf({ amount: { currency: 'DKK', value: 1 }, merchant: { country: 'DK', allowSkipLandingPage: true, allowLongLiving: true } })).toBeUndefined();
    expect(problemOf({ customer: { phoneNumber: TEST_USER, personalQr: 'https://qr.vipps.no/28/2/01/031/4797777776?v=1' } })).toMatchObject({ status: 400 });
    expect(problemOf({ profileScope: 'name nin' })).toMatchObject({ status: 403, title: 'Illegal scope' });
    expect(problemOf({ profileScope: 'name shoeSize' })).toMatchObject({ status: 400, title: 'Invalid scope' });
  });

  it('fuzz: amounts below the minimum and http returnUrls off loopback are always refused with their title', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99 }), fc.domain(), (value, host) => {
        expect(problemOf({ amount: { currency: 'NOK', value } })?.title).toBe('Amount too small');
        fc.pre(!['localhost', '127.0.0.1'].includes(host));
        expect(problemOf({ returnUrl: `http://${host}/return` })?.title).toBe('Invalid URL');
      }),
      { numRuns: 200 },
    );
  });
});
