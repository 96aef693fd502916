import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Merchant, MerchantDirectory } from '../../platform/merchants.js';
import { GatewayError } from '../../platform/problems.js';
import { GatewayErrorBody } from '../../platform/schemas.js';
import { CheckoutErrorThrown, checkoutErrors, sendCheckoutError, type CheckoutError } from './errors.js';
import { CheckoutHeaders, InitiateSessionRequest, InitiateSessionResponse, ReferenceParams, SessionResponse } from './schemas.js';
import type { CheckoutService, Reply } from './service.js';

const header = (request: FastifyRequest, name: string) => {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Checkout's own credentials check: no access token, the raw keys on every call (CO-SPEC). The
 * subscription key is the gateway's (its 401 body, decision 29); client_id and client_secret are
 * Checkout's (401 in its shape), then the MSN must be the keys' sales unit (403).
 */
export function checkoutAuth(merchants: MerchantDirectory) {
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const fail = (e: CheckoutError) => done(new CheckoutErrorThrown(e));
    const key = header(request, 'ocp-apim-subscription-key');
    if (!key) return done(new GatewayError(401, 'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.'));
    const keyOwner = merchants.bySubscriptionKey(key);
    if (!keyOwner) return done(new GatewayError(401, 'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.'));
    const clientId = header(request, 'client_id');
    const secret = header(request, 'client_secret');
    if (!clientId || !secret) return fail(checkoutErrors.unauthorized('The client_id and client_secret headers are required (Checkout takes no access token).'));
    const merchant: Merchant | undefined = merchants.byClient(clientId);
    if (!merchant || merchant.clientSecret !== secret) return fail(checkoutErrors.unauthorized('The client_id and client_secret do not match a sales unit.'));
    if (merchant.msn !== keyOwner.msn) return fail(checkoutErrors.unauthorized('The subscription key does not belong to the sales unit of the client_id.'));
    const msn = header(request, 'merchant-serial-number');
    if (!msn) return fail(checkoutErrors.invalid('Merchant-Serial-Number', 'The Merchant-Serial-Number header is required.'));
    if (msn !== merchant.msn) return fail(checkoutErrors.forbidden(`The Merchant-Serial-Number ${msn} is not linked to the API keys in use.`));
    request.merchant = merchant;
    done();
  };
}

const SECURITY = [{ clientId: [], clientSecret: [], subscriptionKey: [] }];

/** Checkout API v3 at its real paths. */
export const checkoutRoutes = (checkout: CheckoutService, merchants: MerchantDirectory): FastifyPluginAsyncTypebox => async (app) => {
  app.addHook('onRequest', checkoutAuth(merchants));
  const send = <T>(reply: FastifyReply, r: Reply<T>, status = 200) => (r.ok ? reply.code(status).send(r.value) : sendCheckoutError(reply, r.error));

  app.post('/checkout/v3/session', {
    schema: {
      operationId: 'createSession',
      summary: 'Create a Checkout session',
      security: SECURITY,
      headers: CheckoutHeaders,
      body: InitiateSessionRequest,
      response: { 200: InitiateSessionResponse, 401: GatewayErrorBody },
    },
  }, async (request, reply) => send(reply, await checkout.create(request.merchant!.msn, request.body)));

  app.get('/checkout/v3/session/:reference', {
    schema: {
      operationId: 'getSessionInfo',
      summary: 'A session and its payment',
      security: SECURITY,
      headers: CheckoutHeaders,
      params: ReferenceParams,
      response: { 200: SessionResponse, 401: GatewayErrorBody },
    },
  }, async (request, reply) => send(reply, await checkout.get(request.merchant!.msn, request.params.reference)));
};
