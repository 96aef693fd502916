import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { ids } from '../../platform/ids.js';
import { GatewayErrorBody, MsnHeader } from '../../platform/schemas.js';
import { AccessTokenResponse } from '../../platform/tokens.js';
import type { Platform } from '../module.js';

/** Azure AD's error body (the token endpoint's own errors past the gateway). */
const AadError = Type.Object({
  error: Type.String(),
  error_description: Type.String(),
  error_codes: Type.Array(Type.Integer()),
  timestamp: Type.String(),
  trace_id: Type.String(),
  correlation_id: Type.String(),
  error_uri: Type.String(),
}, { description: "Azure AD's error body" });

/** A JSON Web Key Set. A JWK's members depend on its key type, so a key is an open object. */
const Jwks = Type.Object({
  keys: Type.Array(Type.Object({ kty: Type.String(), kid: Type.Optional(Type.String()), alg: Type.Optional(Type.String()), use: Type.Optional(Type.String()) }, { additionalProperties: true })),
});

const tokenSchema = (operationId: string, deprecated = false) => ({
  operationId,
  summary: 'Get an access token',
  ...(deprecated ? { deprecated, description: 'The same endpoint, in the spelling some clients use.' } : {}),
  // The credentials are headers; their checks and order are the handler's (gateway first, then Azure AD), not Ajv's.
  security: [{ subscriptionKey: [], clientId: [], clientSecret: [] }],
  headers: MsnHeader(false),
  response: { 200: AccessTokenResponse, 400: AadError, 401: Type.Union([AadError, GatewayErrorBody]) },
});
const jwksSchema = (operationId: string) => ({ operationId, summary: 'The public keys that verify access tokens', response: { 200: Jwks } });

/** Azure AD's error body, which the real token endpoint passes through. */
function aadError(reply: FastifyReply, now: Date, status: number, error: string, code: number, description: string) {
  return reply.code(status).send({
    error,
    error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${ids.uuid()}\r\nCorrelation ID: ${ids.uuid()}\r\nTimestamp: ${now.toISOString().replace('T', ' ').slice(0, 19)}Z`,
    error_codes: [code],
    timestamp: `${now.toISOString().replace('T', ' ').slice(0, 19)}Z`,
    trace_id: ids.uuid(),
    correlation_id: ids.uuid(),
    error_uri: `https://login.windows.net/error?code=${code}`,
  });
}

const gateway = (reply: FastifyReply, message: string) => reply.code(401).send({ statusCode: 401, message });

/** Access Token API: `POST /accesstoken/get` with the sales unit's keys in headers. */
export const accessTokenRoutes = (ctx: Platform): FastifyPluginAsync => async (app) => {
  // The endpoint takes no body; clients send none, an empty JSON body or a form: ignore all of them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, undefined));

  const handler = async (request: import('fastify').FastifyRequest, reply: FastifyReply) => {
    const h = (name: string) => {
      const v = request.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const key = h('ocp-apim-subscription-key');
    if (!key) return gateway(reply, 'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.');
    const keyOwner = ctx.merchants.bySubscriptionKey(key);
    if (!keyOwner) return gateway(reply, 'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.');

    const clientId = h('client_id');
    if (!clientId) return aadError(reply, ctx.clock.now(), 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    const merchant = ctx.merchants.byClient(clientId);
    if (!merchant) {
      return aadError(reply, ctx.clock.now(), 400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant.`);
    }
    const secret = h('client_secret');
    if (!secret) return aadError(reply, ctx.clock.now(), 400, 'invalid_request', 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.");
    if (secret !== merchant.clientSecret) return aadError(reply, ctx.clock.now(), 401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.');
    if (keyOwner.msn !== merchant.msn) return gateway(reply, 'Access denied due to invalid subscription key. The subscription key does not belong to the sales unit of the client_id.');
    const msn = h('merchant-serial-number');
    if (msn !== undefined && msn !== merchant.msn) {
      return aadError(reply, ctx.clock.now(), 400, 'invalid_request', 50000, `The Merchant-Serial-Number ${msn} is not linked to the client_id ${clientId}.`);
    }
    return reply.type('application/json;charset=UTF-8').send(await ctx.tokens.issue(merchant));
  };
  app.post('/accesstoken/get', { schema: tokenSchema('fetchAccessToken') }, handler);
  app.post('/accessToken/get', { schema: tokenSchema('fetchAccessTokenCamelCase', true) }, handler);
  // The public keys that verify our tokens (the real ones sit with Azure AD).
  app.get('/accesstoken/jwks', { schema: jwksSchema('getJwks') }, async () => ctx.tokens.jwks());
  app.get('/.well-known/jwks.json', { schema: jwksSchema('getWellKnownJwks') }, async () => ctx.tokens.jwks());
};
