import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { sendProblem } from '../../platform/http-errors.js';
import { ProblemError, problem } from '../../platform/problems.js';
import { Msn, Msisdn } from '../../platform/schemas.js';
import type { Platform } from '../module.js';
import { epaymentInboxKey } from './inbox-provider.js';
import { GetPaymentResponse } from './schemas.js';
import type { EpaymentService } from './service.js';
import { paymentStore } from './store.js';

const DecisionResponse = Type.Composite([GetPaymentResponse, Type.Object({ msn: Type.String(), phoneNumber: Type.String({ description: 'The test user who acted' }) })]);
// Looser than the API's reference: a lookup, where an unknown reference is a 404.
const ReferenceParams = Type.Object({ reference: Type.String({ pattern: '^[a-zA-Z0-9-]{1,64}$' }) });
const DecisionBody = Type.Union([
  Type.Null(),
  Type.Object(
    {
      phoneNumber: Type.Optional(Msisdn),
      msn: Type.Optional(Type.String({ ...Msn, description: 'needed only when two merchants use the same reference' })),
    },
    { additionalProperties: false },
  ),
]);

/**
 * ePayment's control routes (under /devkit/v1/epayment): approving or rejecting a payment as a
 * user would in the app (test amounts apply; no PIN, no browser).
 */
export const epaymentControl = (platform: Platform, epayment: EpaymentService): FastifyPluginAsyncTypebox => async (app) => {
  const { database, users, inbox } = platform;
  for (const decision of ['approve', 'reject'] as const) {
    app.post(`/payments/:reference/${decision}`, { schema: { summary: `${decision === 'approve' ? 'Approve' : 'Reject'} as the user would in the app (test amounts apply)`, params: ReferenceParams, body: DecisionBody, response: { 200: DecisionResponse } } }, async (request, reply) => {
      const { reference } = request.params;
      const body = request.body ?? {};
      const instance = request.url.split('?')[0]!;
      const all = await paymentStore.byReference(database.db, reference);
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
      const recipient = await inbox.recipient(epaymentInboxKey(payment));
      const pushTo = payment.userFlow === 'PUSH_MESSAGE' ? payment.customer?.phoneNumber : undefined;
      if (pushTo && body.phoneNumber && body.phoneNumber !== pushTo) {
        throw new ProblemError(problem(400, 'Wrong user', `Payment ${reference} was pushed to ${pushTo}; only that user can ${decision} it.`));
      }
      const phone = body.phoneNumber ?? payment.customer?.phoneNumber ?? recipient ?? (await users.list())[0]?.phoneNumber;
      if (!phone) throw new ProblemError(problem(400, 'No test user', 'There is no test user to act as; create one with POST /devkit/v1/users.'));
      if (!(await users.find(phone))) throw new ProblemError(problem(404, 'Customer not found', `There is no test user with the phone number ${phone}.`, '7010'));
      // The request shows up in that user's app history, as if it had been opened there.
      const r = await epayment.userDecision(payment.msn, reference, decision, phone, recipient !== phone ? (trx) => inbox.deliver(trx, epaymentInboxKey(payment), phone, 'CONTROL_API') : undefined);
      if (r.problem) return sendProblem(reply, r.problem, instance);
      return reply.code(200).send({ ...(r.body as Static<typeof GetPaymentResponse>), msn: payment.msn, phoneNumber: phone });
    });
  }
};
