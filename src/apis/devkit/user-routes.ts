import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ProblemError, problem } from '../../platform/problems.js';
import type { TestUser } from '../../platform/test-users.js';
import type { AppContext } from '../../server/context.js';
import { problemErrorHandler, sendProblem } from '../../server/errors.js';
import { acceptJsonBodies } from '../../server/json-body.js';
import { appInbox } from '../epayment/app-inbox.js';
import { adminGuard } from './admin-guard.js';

const Msisdn = Type.String({ pattern: '^\\d{10,15}$', description: 'MSISDN: country code and number, no +, e.g. 4791234567' });

const NewUserBody = Type.Union([
  Type.Null(),
  Type.Object(
    {
      phoneNumber: Type.Optional(Msisdn),
      givenName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      familyName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      email: Type.Optional(Type.String({ minLength: 3, maxLength: 200, pattern: '^[^@\\s]+@[^@\\s]+$' })),
      nin: Type.Optional(Type.String({ description: 'Norwegian national identity number (11 digits, valid control digits); generated when left out' })),
      birthDate: Type.Optional(Type.String({ description: 'YYYY-MM-DD; taken from the NIN when one is given' })),
      address: Type.Optional(
        Type.Object(
          {
            streetAddress: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            postalCode: Type.Optional(Type.String({ pattern: '^[0-9A-Za-z -]{2,10}$' })),
            city: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
          },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false },
  ),
]);

const PhoneParams = Type.Object({ phoneNumber: Msisdn });
const ReferenceParams = Type.Object({ reference: Type.String({ pattern: '^[a-zA-Z0-9-]{1,64}$' }) });
const DecisionBody = Type.Union([
  Type.Null(),
  Type.Object(
    {
      phoneNumber: Type.Optional(Msisdn),
      msn: Type.Optional(Type.String({ pattern: '^[0-9]{4,6}$', description: 'needed only when two merchants use the same reference' })),
    },
    { additionalProperties: false },
  ),
]);

const userView = (u: TestUser) => ({ ...u, name: `${u.givenName} ${u.familyName}` });

/**
 * The user side of the control API: test users, and approving or rejecting a payment as a user
 * would in the app (test amounts apply; no PIN, no browser).
 */
export const userControlRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  acceptJsonBodies(app);
  app.setErrorHandler(problemErrorHandler);
  app.addHook('onRequest', adminGuard(ctx));
  const db = ctx.database.db;

  app.get('/devkit/v1/users', async () => ({ users: (await ctx.users.list()).map(userView) }));

  app.get('/devkit/v1/users/:phoneNumber', { schema: { params: PhoneParams } }, async (request) => {
    const user = await ctx.users.find(request.params.phoneNumber);
    if (!user) throw new ProblemError(problem(404, 'Not Found', `There is no test user with the phone number ${request.params.phoneNumber}.`));
    return userView(user);
  });

  app.post('/devkit/v1/users', { schema: { body: NewUserBody } }, async (request, reply) => {
    const body = request.body ?? {};
    const user = await ctx.database.commands.run((trx) => ctx.users.create(body, ctx.clock.now(), trx));
    return reply.code(201).send(userView(user));
  });

  app.delete('/devkit/v1/users/:phoneNumber', { schema: { params: PhoneParams } }, async (request, reply) => {
    const phone = request.params.phoneNumber;
    const deleted = await ctx.database.commands.run(async (trx) => {
      const gone = await ctx.users.delete(phone, trx);
      if (gone) await appInbox.removeUser(trx, phone);
      return gone;
    });
    if (!deleted) throw new ProblemError(problem(404, 'Not Found', `There is no test user with the phone number ${phone}.`));
    return reply.code(204).send();
  });

  for (const decision of ['approve', 'reject'] as const) {
    app.post(`/devkit/v1/payments/:reference/${decision}`, { schema: { params: ReferenceParams, body: DecisionBody } }, async (request, reply) => {
      const { reference } = request.params;
      const body = request.body ?? {};
      const instance = request.url.split('?')[0]!;
      const all = await appInbox.byReference(db, reference);
      const matches = body.msn ? all.filter((p) => p.msn === body.msn) : all;
      if (matches.length === 0) {
        throw new ProblemError(problem(404, 'Reference not found', `No payment has the reference ${reference}${body.msn ? ` for MSN ${body.msn}` : ''}.`));
      }
      if (matches.length > 1) {
        throw new ProblemError({
          ...problem(409, 'Ambiguous reference', `Merchants ${matches.map((p) => p.msn).join(', ')} all have a payment ${reference}; give "msn" in the body.`),
          extraDetails: [{ name: 'msn', reason: 'required when several merchants use the reference' }],
        });
      }
      const payment = matches[0]!;
      const recipient = await appInbox.recipient(db, payment.msn, reference);
      const pushTo = payment.userFlow === 'PUSH_MESSAGE' ? payment.customer?.phoneNumber : undefined;
      if (pushTo && body.phoneNumber && body.phoneNumber !== pushTo) {
        throw new ProblemError(problem(400, 'Wrong user', `Payment ${reference} was pushed to ${pushTo}; only that user can ${decision} it.`));
      }
      const phone = body.phoneNumber ?? payment.customer?.phoneNumber ?? recipient ?? (await ctx.users.list())[0]?.phoneNumber;
      if (!phone) throw new ProblemError(problem(400, 'No test user', 'There is no test user to act as; create one with POST /devkit/v1/users.'));
      if (!(await ctx.users.find(phone))) throw new ProblemError(problem(404, 'Customer not found', `There is no test user with the phone number ${phone}.`, '7010'));
      // The request shows up in that user's app history, as if it had been opened there.
      if (recipient !== phone) await ctx.database.commands.run((trx) => appInbox.deliver(trx, payment, phone, 'CONTROL_API', ctx.clock.now()));
      const r = await ctx.epayment.userDecision(payment.msn, reference, decision, phone);
      if (r.problem) return sendProblem(reply, r.problem, instance);
      return reply.code(200).send({ ...(r.body as object), msn: payment.msn, phoneNumber: phone });
    });
  }
};
