import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticateHook, type Credentials } from '../../platform/auth.js';
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
  app.addHook('onRequest', authenticateHook(credentials, { requireMsn: true }));

  const send = (request: FastifyRequest, reply: FastifyReply, r: Reply) =>
    r.problem ? sendProblem(reply, r.problem, request.url.split('?')[0]!) : reply.code(r.status).send(r.body);
  const key = (request: FastifyRequest) => request.headers['idempotency-key'] as string;
  // The real API binds a JSON number to a string field (Vipps' own Postman collection sends the
  // reference and phone number unquoted): its digits are kept exactly. Strings never become numbers.
  const createConfig = { readJsonBody: numbersAsStrings(CreatePaymentRequest) };
  const approveConfig = { readJsonBody: numbersAsStrings(ForceApproveRequest) };

  app.post('/epayment/v1/payments', {
    config: createConfig,
    schema: { headers: IdempotentHeaders, body: CreatePaymentRequest, response: { 201: CreatePaymentResponse } },
  }, async (request, reply) => send(request, reply, await epayment.create(request.merchant!, request.body, key(request))));

  app.get('/epayment/v1/payments/:reference', {
    schema: { params: ReferenceParams, response: { 200: GetPaymentResponse } },
  }, async (request, reply) => send(request, reply, await epayment.get(request.merchant!.msn, request.params.reference)));

  app.get('/epayment/v1/payments/:reference/events', {
    schema: { params: ReferenceParams, response: { 200: EventLogResponse } },
  }, async (request, reply) => send(request, reply, await epayment.events(request.merchant!.msn, request.params.reference)));

  app.post('/epayment/v1/payments/:reference/cancel', {
    schema: { headers: IdempotentHeaders, params: ReferenceParams, body: CancelRequest, response: { 200: ModificationResponse } },
  }, async (request, reply) =>
    send(request, reply, await epayment.modify(request.merchant!, request.params.reference, 'cancel', request.body ?? null, key(request))));

  for (const operation of ['capture', 'refund'] as const) {
    app.post(`/epayment/v1/payments/:reference/${operation}`, {
      schema: { headers: IdempotentHeaders, params: ReferenceParams, body: ModificationRequest, response: { 200: ModificationResponse } },
    }, async (request, reply) =>
      send(request, reply, await epayment.modify(request.merchant!, request.params.reference, operation, request.body, key(request))));
  }

  // Test-only force approve. The spec's path has /test/; an older guide leaves it out: accept both.
  for (const path of ['/epayment/v1/test/payments/:reference/approve', '/epayment/v1/payments/:reference/approve']) {
    app.post(path, {
      config: approveConfig,
      schema: { headers: CommonHeaders, params: ReferenceParams, body: ForceApproveRequest },
    }, async (request, reply) => {
      const r = await epayment.forceApprove(request.merchant!, request.params.reference, request.body ?? null);
      return r.problem ? send(request, reply, r) : reply.code(200).send();
    });
  }
};
