import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ProblemError, problem } from '../../platform/problems.js';
import type { TestUsers } from '../../platform/test-users.js';
import type { RecurringProblem } from './errors.js';
import { AgreementResponse } from './schemas.js';
import type { RecurringService, Reply, UserAction } from './service.js';

const Phone = Type.String({ pattern: '^\\d{8}$|^\\d{10,15}$', description: 'The test user (8 digits or with country code); the agreement\'s phone number, else the first test user, when left out' });
const ActionBody = Type.Union([
  Type.Null(),
  Type.Object({
    phoneNumber: Type.Optional(Phone),
    /** Which sales unit's agreement, when two have the same id. */
    msn: Type.Optional(Type.String({ pattern: '^\\d{4,6}$' })),
    /** accept, VARIABLE pricing: the limit the user picks (default the suggested one). */
    maxAmount: Type.Optional(Type.Integer({ minimum: 100, maximum: 2_000_000 })),
    /** accept: whether the test amounts fail the initial charge, as in the app (default true). */
    testAmounts: Type.Optional(Type.Boolean()),
  }, { additionalProperties: false }),
]);
const Declined = Type.Object({ agreement: AgreementResponse, declined: Type.Optional(Type.String()) });

/**
 * Test helpers under `/devkit/v1/recurring` (behind the control API's guard, RFC 7807 errors):
 * act as the user on an agreement (accept with the initial charge, reject, stop), run the calendar
 * now, take a test user's funds away (charges then fail with user_action_required) and change a
 * user's max amount on a VARIABLE agreement.
 */
export const recurringControl = (recurring: RecurringService, users: TestUsers): FastifyPluginAsyncTypebox => async (app) => {
  const fail = (p: RecurringProblem): never => {
    throw new ProblemError({ ...problem(p.status, p.title, p.detail), extraDetails: [{ name: 'problem', reason: p.id }] });
  };
  const phoneOf = (given: string | undefined) => (given === undefined ? undefined : given.length === 8 ? `47${given}` : given);

  for (const kind of ['accept', 'reject', 'stop'] as const) {
    app.post(`/agreements/:agreementId/${kind}`, {
      schema: { summary: `${kind} an agreement as the test user`, params: Type.Object({ agreementId: Type.String({ maxLength: 64 }) }), body: ActionBody, response: { 200: Declined } },
    }, async (request) => {
      const body = request.body ?? {};
      const found = (await recurring.agreementsById(request.params.agreementId)).filter((a) => body.msn === undefined || a.msn === body.msn);
      if (found.length === 0) throw new ProblemError(problem(404, 'Not Found', `No agreement ${request.params.agreementId}${body.msn ? ` for MSN ${body.msn}` : ''}.`));
      if (found.length > 1) throw new ProblemError(problem(409, 'Ambiguous', `Several sales units have an agreement ${request.params.agreementId}: give msn.`));
      const a = found[0]!;
      const phone = phoneOf(body.phoneNumber) ?? (kind === 'stop' ? a.userPhoneNumber : a.phoneNumber) ?? (await users.list())[0]?.phoneNumber ?? '';
      const action: UserAction = kind === 'accept' ? { kind, testAmounts: body.testAmounts ?? true, ...(body.maxAmount === undefined ? {} : { maxAmount: body.maxAmount }) } : { kind };
      const r = await recurring.userAction(a.msn, a.id, phone, action);
      if (r.problem) return fail(r.problem);
      return { agreement: r.body as AgreementResponse, ...(r.declined ? { declined: r.declined } : {}) };
    });
  }

  app.post('/agreements/:agreementId/max-amount', {
    schema: { summary: "The user changes their max amount on a VARIABLE agreement", params: Type.Object({ agreementId: Type.String({ maxLength: 64 }) }), body: Type.Object({ maxAmount: Type.Integer({ minimum: 100, maximum: 2_000_000 }), msn: Type.Optional(Type.String()) }, { additionalProperties: false }), response: { 200: AgreementResponse } },
  }, async (request) => {
    const found = (await recurring.agreementsById(request.params.agreementId)).filter((a) => request.body.msn === undefined || a.msn === request.body.msn);
    if (found.length !== 1) throw new ProblemError(problem(404, 'Not Found', `No single agreement ${request.params.agreementId}.`));
    const r: Reply = await recurring.setMaxAmount(found[0]!.msn, found[0]!.id, request.body.maxAmount);
    return r.problem ? fail(r.problem) : (r.body as AgreementResponse);
  });

  app.put('/users/:phoneNumber/funds', {
    schema: { summary: "A test user's funds: with insufficientFunds, recurring charges fail (user_action_required)", params: Type.Object({ phoneNumber: Phone }), body: Type.Object({ insufficientFunds: Type.Boolean() }, { additionalProperties: false }), response: { 200: Type.Object({ phoneNumber: Type.String(), insufficientFunds: Type.Boolean() }) } },
  }, async (request) => {
    const phoneNumber = phoneOf(request.params.phoneNumber)!;
    if (!(await users.find(phoneNumber))) throw new ProblemError(problem(404, 'Not Found', `${phoneNumber} is not a test user.`));
    await recurring.setFunds(phoneNumber, request.body.insufficientFunds);
    return { phoneNumber, insufficientFunds: request.body.insufficientFunds };
  });

  app.post('/process', {
    schema: { summary: 'Run the calendar now: expire unanswered agreements, take every charge step owed up to the emulator clock', body: Type.Union([Type.Null(), Type.Object({}, { additionalProperties: false })]), response: { 200: Type.Object({ expiredAgreements: Type.Integer(), chargeSteps: Type.Integer() }) } },
  }, async () => ({ expiredAgreements: await recurring.expireDue(), chargeSteps: await recurring.processDue() }));
};
