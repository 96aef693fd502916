import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { merchantAuth, type Credentials } from '../../platform/auth.js';
import { NoContent } from '../../platform/schemas.js';
import { RecurringError, recurringErrors, sendRecurringProblem } from './errors.js';
import {
  AgreementListResponse,
  AgreementParams,
  AgreementResponse,
  ChargeIdParams,
  ChargeListResponse,
  ChargeParams,
  ChargeReference,
  ChargeResponse,
  CreateChargeRequest,
  CreateChargesAsyncRequest,
  CreateChargesAsyncResponse,
  DraftAgreementRequest,
  DraftAgreementResponse,
  ForceAcceptRequest,
  IdempotentHeaders,
  ListAgreementsQuery,
  ListChargesQuery,
  ListHeaders,
  ModifyChargeRequest,
  OrderId,
  PatchAgreementRequest,
  RecurringErrorBody,
  RecurringHeaders,
} from './schemas.js';
import type { RecurringService, Reply } from './service.js';

const KEY = /^[^#?/\\]{1,40}$/;

/** The Idempotency-Key every POST, PATCH and DELETE needs (R-GUIDE): 1–40 characters, none of `#?/\`. */
function idempotencyKey(request: FastifyRequest): string {
  const given = request.headers['idempotency-key'];
  const key = Array.isArray(given) ? given[0] : given;
  if (key === undefined || !KEY.test(key)) throw new RecurringError(recurringErrors.idempotencyKey(key));
  return key;
}

/** One item of the batch endpoint: a charge with its agreement and (required here) its orderId. */
const BatchItem = TypeCompiler.Compile(
  // orderId is required here (it names the charge in validCharges and in charge-creation-failed).
  Type.Object({ ...CreateChargeRequest.properties, agreementId: Type.String({ minLength: 1, maxLength: 64 }), orderId: OrderId }, { additionalProperties: false }),
);
const checkItem = (item: unknown): string[] => (BatchItem.Check(item) ? [] : [...BatchItem.Errors(item)].slice(0, 10).map((e) => `${e.path.slice(1).replace(/\//g, '.') || 'item'}: ${e.message}`));

// Every error a Recurring route answers itself: declared so that the serializer knows the body.
const errors = { 400: RecurringErrorBody, 403: RecurringErrorBody, 404: RecurringErrorBody, 409: RecurringErrorBody };

/** Recurring API v3 at the real paths; every route is authenticated like apitest.vipps.no (the MSN header is optional). */
export const recurringRoutes = (recurring: RecurringService, credentials: Credentials): FastifyPluginAsyncTypebox => async (app) => {
  merchantAuth(app, credentials, { requireMsn: false });

  const send = (request: FastifyRequest, reply: FastifyReply, r: Reply) => {
    if (r.problem) return sendRecurringProblem(reply, request, r.problem);
    for (const [name, value] of Object.entries(r.headers ?? {})) reply.header(name, value);
    return r.body === undefined ? reply.code(r.status).send() : reply.code(r.status).send(r.body);
  };
  const base = '/recurring/v3';

  app.get(`${base}/agreements`, {
    schema: { operationId: 'ListAgreementsV3', summary: 'List agreements (one status; ACTIVE when none is given)', headers: ListHeaders, querystring: ListAgreementsQuery, response: { 200: AgreementListResponse, ...errors } },
  }, async (request, reply) => send(request, reply, await recurring.list(request.merchant!.msn, request.query, request.headers['continuation-token'] as string | undefined)));

  app.post(`${base}/agreements`, {
    schema: { operationId: 'DraftAgreementV3', summary: 'Draft an agreement for the user to accept', headers: IdempotentHeaders, body: DraftAgreementRequest, response: { 201: DraftAgreementResponse, ...errors } },
  }, async (request, reply) => send(request, reply, await recurring.draft(request.merchant!, request.body, idempotencyKey(request))));

  app.get(`${base}/agreements/:agreementId`, {
    schema: { operationId: 'FetchAgreementV3', summary: 'Fetch an agreement', headers: RecurringHeaders, params: AgreementParams, response: { 200: AgreementResponse, ...errors } },
  }, async (request, reply) => send(request, reply, await recurring.get(request.merchant!.msn, request.params.agreementId)));

  app.patch(`${base}/agreements/:agreementId`, {
    schema: { operationId: 'UpdateAgreementPatchV3', summary: 'Update or stop an agreement', headers: IdempotentHeaders, params: AgreementParams, body: PatchAgreementRequest, response: { 202: NoContent, 204: NoContent, ...errors } },
  }, async (request, reply) => send(request, reply, await recurring.patch(request.merchant!, request.params.agreementId, request.body, idempotencyKey(request))));

  app.patch(`${base}/agreements/:agreementId/accept`, {
    schema: { operationId: 'acceptUsingPATCHV3', summary: 'Force accept an agreement as a test user (test environment only)', headers: IdempotentHeaders, params: AgreementParams, body: ForceAcceptRequest, response: { 204: NoContent, ...errors } },
  }, async (request, reply) => send(request, reply, await recurring.forceAccept(request.merchant!, request.params.agreementId, request.body.phoneNumber, idempotencyKey(request))));

  app.get(`${base}/agreements/:agreementId/charges`, {
    schema: { operationId: 'ListChargesV3', summary: "An agreement's charges, the initial charge included", headers: ListHeaders, params: AgreementParams, querystring: ListChargesQuery, response: { 200: ChargeListResponse, ...errors } },
  }, async (request, reply) => send(request, reply, await recurring.listCharges(request.merchant!.msn, request.params.agreementId, request.query.status)));

  app.post(`${base}/agreements/:agreementId/charges`, {
    schema: { operationId: 'CreateChargeV3', summary: 'Create a charge', headers: IdempotentHeaders, params: AgreementParams, body: CreateChargeRequest, response: { 201: ChargeReference, ...errors } },
  }, async (request, reply) => send(request, reply, await recurring.createCharge(request.merchant!, request.params.agreementId, request.body, idempotencyKey(request))));

  app.post(`${base}/agreements/charges`, {
    schema: { operationId: 'CreateChargesAsyncV3', summary: 'Create several charges at once (SDK 2024)', headers: IdempotentHeaders, body: CreateChargesAsyncRequest, response: { 202: CreateChargesAsyncResponse, ...errors } },
  }, async (request, reply) => send(request, reply, await recurring.createCharges(request.merchant!, request.body, idempotencyKey(request), checkItem)));

  app.get(`${base}/agreements/:agreementId/charges/:chargeId`, {
    schema: { operationId: 'FetchChargeV3', summary: 'Fetch a charge', headers: RecurringHeaders, params: ChargeParams, response: { 200: ChargeResponse, ...errors } },
  }, async (request, reply) => send(request, reply, await recurring.getCharge(request.merchant!.msn, request.params.agreementId, request.params.chargeId)));

  app.delete(`${base}/agreements/:agreementId/charges/:chargeId`, {
    schema: { operationId: 'CancelChargeV3', summary: 'Cancel a charge', headers: IdempotentHeaders, params: ChargeParams, response: { 202: NoContent, 204: NoContent, ...errors } },
  }, async (request, reply) => send(request, reply, await recurring.modifyCharge(request.merchant!, request.params.agreementId, request.params.chargeId, 'cancel', null, idempotencyKey(request))));

  for (const operation of ['capture', 'refund'] as const) {
    app.post(`${base}/agreements/:agreementId/charges/:chargeId/${operation}`, {
      schema: { operationId: operation === 'capture' ? 'CaptureChargeV3' : 'RefundChargeV3', summary: operation === 'capture' ? 'Capture a reserved charge' : 'Refund a charge', headers: IdempotentHeaders, params: ChargeParams, body: ModifyChargeRequest, response: { 202: NoContent, 204: NoContent, ...errors } },
    }, async (request, reply) => send(request, reply, await recurring.modifyCharge(request.merchant!, request.params.agreementId, request.params.chargeId, operation, request.body, idempotencyKey(request))));
  }

  app.get(`${base}/charges/:chargeId`, {
    schema: { operationId: 'FetchChargeByIdV3', summary: 'Fetch a charge by its id alone (support cases)', headers: RecurringHeaders, params: ChargeIdParams, response: { 200: ChargeResponse, ...errors } },
  }, async (request, reply) => send(request, reply, await recurring.getChargeById(request.merchant!.msn, request.params.chargeId)));
};
