import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { merchantAuth, type Credentials } from '../../platform/auth.js';
import { sendEcomErrors } from './errors.js';
import {
  ActionRequest,
  CancelRequest,
  CancelResponse,
  CaptureResponse,
  DetailsResponse,
  EcomHeaders,
  ForceApproveRequest,
  ForceApproveResponse,
  InitiateRequest,
  InitiateResponse,
  OrderParams,
  RefundResponse,
  StatusResponse,
} from './schemas.js';
import type { EcomReply, EcomService } from './service.js';

/**
 * eCom API v2 at the real paths, authenticated like apitest.vipps.no. The WooCommerce plugin
 * writes `Ecomm/v2` (reference §1): both spellings are served.
 */
export const ecomRoutes = (ecom: EcomService, credentials: Credentials): FastifyPluginAsyncTypebox => async (app) => {
  merchantAuth(app, credentials, { requireMsn: false });

  const send = (reply: FastifyReply, r: EcomReply) => (r.error ? sendEcomErrors(reply, [r.error]) : r.body === undefined ? reply.code(r.status).send() : reply.code(r.status).send(r.body));
  const requestId = (request: FastifyRequest) => request.headers['x-request-id'] as string | undefined;

  for (const base of ['/ecomm/v2', '/Ecomm/v2']) {
    // The official operation ids; the WooCommerce spelling gets its own (ids are unique in a document).
    const operationId = (id: string) => (base === '/ecomm/v2' ? id : `${id}Ecomm`);

    app.post(`${base}/payments`, {
      schema: { operationId: operationId('initiatePaymentV3UsingPOST'), summary: 'Initiate a payment', headers: EcomHeaders, body: InitiateRequest, response: { 200: InitiateResponse } },
    }, async (request, reply) => send(reply, await ecom.initiate(request.merchant!, request.body)));

    app.post(`${base}/payments/:orderId/capture`, {
      schema: { operationId: operationId('capturePaymentUsingPOST'), summary: 'Capture a reserved payment', headers: EcomHeaders, params: OrderParams, body: ActionRequest, response: { 200: CaptureResponse } },
    }, async (request, reply) => send(reply, await ecom.capture(request.merchant!, request.params.orderId, request.body, requestId(request))));

    app.post(`${base}/payments/:orderId/refund`, {
      schema: { operationId: operationId('refundPaymentUsingPOST'), summary: 'Refund a captured payment', headers: EcomHeaders, params: OrderParams, body: ActionRequest, response: { 200: RefundResponse } },
    }, async (request, reply) => send(reply, await ecom.refund(request.merchant!, request.params.orderId, request.body, requestId(request))));

    app.put(`${base}/payments/:orderId/cancel`, {
      schema: { operationId: operationId('cancelPaymentRequestUsingPUT'), summary: 'Cancel a payment', headers: EcomHeaders, params: OrderParams, body: CancelRequest, response: { 200: CancelResponse } },
    }, async (request, reply) => send(reply, await ecom.cancel(request.merchant!, request.params.orderId, request.body, requestId(request))));

    app.get(`${base}/payments/:orderId/details`, {
      schema: { operationId: operationId('getPaymentDetailsUsingGET'), summary: 'Payment details and transaction log', headers: EcomHeaders, params: OrderParams, response: { 200: DetailsResponse } },
    }, async (request, reply) => send(reply, await ecom.details(request.merchant!.msn, request.params.orderId)));

    // Deprecated, but still documented (reference §2.6).
    app.get(`${base}/payments/:orderId/status`, {
      schema: { operationId: operationId('getOrderStatusUsingGET'), summary: 'Order status (deprecated: use details)', deprecated: true, headers: EcomHeaders, params: OrderParams, response: { 200: StatusResponse } },
    }, async (request, reply) => send(reply, await ecom.status(request.merchant!.msn, request.params.orderId)));

    app.post(`${base}/integration-test/payments/:orderId/approve`, {
      schema: { operationId: operationId('integrationTestApprovePayment'), summary: 'Approve as the test user would (test only)', headers: EcomHeaders, params: OrderParams, body: ForceApproveRequest, response: { 200: ForceApproveResponse } },
    }, async (request, reply) => send(reply, await ecom.forceApprove(request.merchant!, request.params.orderId, request.body ?? null, requestId(request))));
  }
};
