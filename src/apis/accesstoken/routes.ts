import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { ids } from '../../platform/ids.js';
import type { Platform } from '../module.js';

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
  app.post('/accesstoken/get', handler);
  app.post('/accessToken/get', handler);
  // The public keys that verify our tokens (the real ones sit with Azure AD).
  app.get('/accesstoken/jwks', async () => ctx.tokens.jwks());
  app.get('/.well-known/jwks.json', async () => ctx.tokens.jwks());
};
