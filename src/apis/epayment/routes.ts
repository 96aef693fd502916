import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { merchantAuth, type Credentials } from '../../platform/auth.js';
import { NoContent } from '../../platform/schemas.js';
import { sendProblem } from '../../platform/http-errors.js';
import { numbersAsStrings } from '../../platform/json-strings.js';
import {
  CancelRequest,
  CommonHeaders,
  CreatePaymentRequest,
  CreatePaymentResponse,
  EventLogResponse,
  ForceApproveRequest,
  GetPaymentResponse,
  IdempotentHeaders,
  ModificationRequest,
  ModificationResponse,
  ReferenceParams,
} from './schemas.js';
import type { EpaymentService, Reply } from './service.js';

/** ePayment API v1 at the real paths; every route is authenticated like apitest.vipps.no. */
export const epaymentRoutes = (epayment: EpaymentService, credentials: Credentials): FastifyPluginAsyncTypebox => async (app) => {
  merchantAuth(app, credentials, { requireMsn: true });

  const send = (request: FastifyRequest, reply: FastifyReply, r: Reply) =>
    r.problem ? sendProblem(reply, r.problem, request.url.split('?')[0]!) : reply.code(r.status).send(r.body);
  const key = (request: FastifyRequest) => request.headers['idempotency-key'] as string;
  // The real API binds a JSON number to a string field (Vipps' own Postman collection sends the
  // reference and phone number unquoted): its digits are kept exactly. Strings never become numbers.
  const createConfig = { readJsonBody: numbersAsStrings(CreatePaymentRequest) };
  const approveConfig = { readJsonBody: numbersAsStrings(ForceApproveRequest) };

  app.post('/epayment/v1/payments', {
    config: createConfig,
    schema: { operationId: 'createPayment', summary: 'Create a payment', headers: IdempotentHeaders, body: CreatePaymentRequest, response: { 201: CreatePaymentResponse } },
  }, async (request, reply) => send(request, reply, await epayment.create(request.merchant!, request.body, key(request))));

  app.get('/epayment/v1/payments/:reference', {
    schema: { operationId: 'getPayment', summary: 'Get a payment', params: ReferenceParams, response: { 200: GetPaymentResponse } },
  }, async (request, reply) => send(request, reply, await epayment.get(request.merchant!.msn, request.params.reference)));

  app.get('/epayment/v1/payments/:reference/events', {
    schema: { operationId: 'getPaymentEventLog', summary: "A payment's event log", params: ReferenceParams, response: { 200: EventLogResponse } },
  }, async (request, reply) => send(request, reply, await epayment.events(request.merchant!.msn, request.params.reference)));

  app.post('/epayment/v1/payments/:reference/cancel', {
    schema: { operationId: 'cancelPayment', summary: 'Cancel a payment', headers: IdempotentHeaders, params: ReferenceParams, body: CancelRequest, response: { 200: ModificationResponse } },
  }, async (request, reply) =>
    send(request, reply, await epayment.modify(request.merchant!, request.params.reference, 'cancel', request.body ?? null, key(request))));

  for (const operation of ['capture', 'refund'] as const) {
    app.post(`/epayment/v1/payments/:reference/${operation}`, {
      schema: { operationId: `${operation}Payment`, summary: operation === 'capture' ? 'Capture a payment' : 'Refund a payment', headers: IdempotentHeaders, params: ReferenceParams, body: ModificationRequest, response: { 200: ModificationResponse } },
    }, async (request, reply) =>
      send(request, reply, await epayment.modify(request.merchant!, request.params.reference, operation, request.body, key(request))));
  }

  // Test-only force approve. The spec's path has /test/; an older guide leaves it out: accept both.
  for (const [path, operationId] of [['/epayment/v1/test/payments/:reference/approve', 'forceApprove'], ['/epayment/v1/payments/:reference/approve', 'forceApproveWithoutTest']] as const) {
    app.post(path, {
      config: approveConfig,
      schema: { operationId, summary: 'Approve as the test user would (test only)', headers: CommonHeaders, params: ReferenceParams, body: ForceApproveRequest, response: { 200: NoContent } },
    }, async (request, reply) => {
      const r = await epayment.forceApprove(request.merchant!, request.params.reference, request.body ?? null);
      // 200 with no body at all (not `null`).
      return r.problem ? send(request, reply, r) : (reply as FastifyReply).code(200).send();
    });
  }
};
