import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Merchant } from '../../platform/merchants.js';
import { ClockRangeError, parseDuration } from '../../platform/clock.js';
import { ProblemError, problem } from '../../platform/problems.js';
import { Msn, StringEnum, TestUser as TestUserSchema, Timestamp } from '../../platform/schemas.js';
import type { TestUser } from '../../platform/test-users.js';
import type { AppContext } from '../context.js';

const merchantView = (m: Merchant, testUsers: TestUser[]) => ({
  msn: m.msn,
  name: m.name,
  country: m.country,
  clientId: m.clientId,
  clientSecret: m.clientSecret,
  subscriptionKey: m.subscriptionKey,
  secondarySubscriptionKey: m.secondarySubscriptionKey,
  allowSkipLandingPage: m.allowSkipLandingPage,
  allowLongLiving: m.allowLongLiving,
  testUsers,
});

const MsnParams = Type.Object({ msn: Msn });

const MerchantView = Type.Object({
  msn: Type.String(),
  name: Type.String(),
  country: Type.String(),
  clientId: Type.String(),
  clientSecret: Type.String(),
  subscriptionKey: Type.String({ description: 'The primary subscription key' }),
  secondarySubscriptionKey: Type.String({ description: 'The secondary subscription key, accepted like the primary' }),
  allowSkipLandingPage: Type.Boolean(),
  allowLongLiving: Type.Boolean(),
  testUsers: Type.Array(TestUserSchema, { description: 'Every test user (they are not tied to a merchant)' }),
});
const ClockFields = { now: Timestamp, offsetMilliseconds: Type.Number({ description: 'How far the emulator clock is ahead of real time' }) };
const ClockView = Type.Object(ClockFields);

const AdvanceBody = Type.Object(
  {
    seconds: Type.Optional(Type.Number({ minimum: 0 })),
    milliseconds: Type.Optional(Type.Number({ minimum: 0 })),
    duration: Type.Optional(Type.String({ description: 'e.g. "10m", "2h", "3d" or ISO-8601 "PT10M"' })),
  },
  { additionalProperties: false },
);

const NewMerchantBody = Type.Union([
  Type.Null(),
  Type.Object(
    {
      name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
      msn: Type.Optional(Msn),
      country: Type.Optional(StringEnum(['NO', 'DK', 'FI'] as const)),
      allowSkipLandingPage: Type.Optional(Type.Boolean()),
      allowLongLiving: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
]);

/**
 * The control API (`/devkit/v1`): what tests and users need that the real platform does not
 * offer — credentials, the clock, a reset. Open on loopback; with an admin token otherwise.
 */
export const platformControl = (ctx: AppContext): FastifyPluginAsyncTypebox => async (app) => {

  app.get('/merchants', { schema: { summary: 'Merchants (sales units) and their API keys', response: { 200: Type.Object({ merchants: Type.Array(MerchantView) }) } } }, async () => {
    const users = await ctx.users.list();
    return { merchants: ctx.merchants.all().map((m) => merchantView(m, users)) };
  });

  app.post('/merchants', { schema: { summary: 'Create a merchant (keys are generated)', body: NewMerchantBody, response: { 201: MerchantView } } }, async (request, reply) => {
    const body = request.body ?? {};
    if (body.msn && ctx.merchants.get(body.msn)) throw new ProblemError(problem(409, 'Conflict', `A merchant with MSN ${body.msn} already exists.`));
    const merchant = await ctx.merchants.create(body, ctx.clock.now());
    return reply.code(201).send(merchantView(merchant, await ctx.users.list()));
  });

  app.post('/merchants/:msn/keys/:key/regenerate', {
    schema: {
      summary: "Regenerates one of a sales unit's keys as the portal does: the old value stops working, the others keep working",
      params: Type.Object({ msn: Msn, key: StringEnum(['clientSecret', 'primarySubscriptionKey', 'secondarySubscriptionKey'] as const) }),
      response: { 200: MerchantView },
    },
  }, async (request) => {
    const merchant = await ctx.merchants.regenerate(request.params.msn, request.params.key);
    if (!merchant) throw new ProblemError(problem(404, 'Not Found', `No merchant has the MSN ${request.params.msn}.`));
    return merchantView(merchant, await ctx.users.list());
  });

  // /devkit/v1/users lives in user-routes.ts (the user side).

  const clockView = () => ({ now: ctx.clock.now().toISOString(), offsetMilliseconds: ctx.clock.offset });
  app.get('/clock', { schema: { summary: 'The emulator clock', response: { 200: ClockView } } }, async () => clockView());

  app.post('/clock/advance', { schema: { summary: 'Move the clock forward (runs expiry, due retries, rotations)', body: AdvanceBody, response: { 200: ClockView } } }, async (request) => {
    const { seconds, milliseconds, duration } = request.body;
    const given = [seconds, milliseconds, duration].filter((v) => v !== undefined).length;
    if (given !== 1) throw new ProblemError({ ...problem(400, 'Bad Request', 'Give exactly one of seconds, milliseconds or duration.'), extraDetails: [{ name: 'body', reason: 'exactly one of seconds, milliseconds, duration' }] });
    const refuse = (name: string, reason: string) => new ProblemError({ ...problem(400, 'Bad Request', reason), extraDetails: [{ name, reason }] });
    let ms: number;
    try {
      ms = seconds !== undefined ? seconds * 1000 : milliseconds !== undefined ? milliseconds : parseDuration(duration!);
    } catch (err) {
      throw refuse('duration', (err as Error).message);
    }
    // Checked before anything changes: out of range is a 400, and the clock and what is saved stay as they were.
    try {
      ctx.clock.check(ms);
      await ctx.clock.advance(ms);
    } catch (err) {
      if (err instanceof ClockRangeError) throw refuse(seconds !== undefined ? 'seconds' : milliseconds !== undefined ? 'milliseconds' : 'duration', err.message);
      throw err;
    }
    return clockView();
  });

  app.post('/reset', { schema: { summary: 'Wipe API state, keep merchants, users and keys', response: { 200: Type.Object({ reset: Type.Literal(true), ...ClockFields }) } } }, async (_request, reply) => {
    await ctx.reset();
    return reply.code(200).send({ reset: true, ...clockView() });
  });

  // One merchant's state only: its payments, orders, webhooks, deliveries and idempotency keys.
  app.post('/merchants/:msn/reset', { schema: { summary: "Wipe one merchant's state", params: MsnParams, response: { 200: Type.Object({ reset: Type.Literal(true), msn: Type.String() }) } } }, async (request, reply) => {
    const { msn } = request.params;
    if (!ctx.merchants.get(msn)) throw new ProblemError(problem(404, 'Not Found', `No merchant ${msn}.`));
    await ctx.reset(msn);
    return reply.code(200).send({ reset: true, msn });
  });
};
