import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticateHook, type Credentials } from '../../platform/auth.js';
import { sendEcomErrors } from './errors.js';
import { ActionRequest, CancelRequest, EcomHeaders, ForceApproveRequest, InitiateRequest, OrderParams } from './schemas.js';
import type { EcomReply, EcomService } from './service.js';

/**
 * eCom API v2 at the real paths, authenticated like apitest.vipps.no. The WooCommerce plugin
 * writes `Ecomm/v2` (reference §1): both spellings are served.
 */
export const ecomRoutes = (ecom: EcomService, credentials: Credentials): FastifyPluginAsyncTypebox => async (app) => {
  app.addHook('onRequest', authenticateHook(credentials, { requireMsn: false }));

  const send = (reply: FastifyReply, r: EcomReply) => (r.error ? sendEcomErrors(reply, [r.error]) : r.body === undefined ? reply.code(r.status).send() : reply.code(r.status).send(r.body));
  const requestId = (request: FastifyRequest) => request.headers['x-request-id'] as string | undefined;

  for (const base of ['/ecomm/v2', '/Ecomm/v2']) {
    app.post(`${base}/payments`, { schema: { headers: EcomHeaders, body: InitiateRequest } }, async (request, reply) =>
      send(reply, await ecom.initiate(request.merchant!, request.body)));

    app.post(`${base}/payments/:orderId/capture`, { schema: { headers: EcomHeaders, params: OrderParams, body: ActionRequest } }, async (request, reply) =>
      send(reply, await ecom.capture(request.merchant!, request.params.orderId, request.body, requestId(request))));

    app.post(`${base}/payments/:orderId/refund`, { schema: { headers: EcomHeaders, params: OrderParams, body: ActionRequest } }, async (request, reply) =>
      send(reply, await ecom.refund(request.merchant!, request.params.orderId, request.body, requestId(request))));

    app.put(`${base}/payments/:orderId/cancel`, { schema: { headers: EcomHeaders, params: OrderParams, body: CancelRequest } }, async (request, reply) =>
      send(reply, await ecom.cancel(request.merchant!, request.params.orderId, request.body, requestId(request))));

    app.get(`${base}/payments/:orderId/details`, { schema: { headers: EcomHeaders, params: OrderParams } }, async (request, reply) =>
      send(reply, await ecom.details(request.merchant!.msn, request.params.orderId)));

    // Deprecated, but still documented (reference §2.6).
    app.get(`${base}/payments/:orderId/status`, { schema: { headers: EcomHeaders, params: OrderParams } }, async (request, reply) =>
      send(reply, await ecom.status(request.merchant!.msn, request.params.orderId)));

    app.post(`${base}/integration-test/payments/:orderId/approve`, { schema: { headers: EcomHeaders, params: OrderParams, body: ForceApproveRequest } }, async (request, reply) =>
      send(reply, await ecom.forceApprove(request.merchant!, request.params.orderId, request.body ?? null, requestId(request))));
  }
};
