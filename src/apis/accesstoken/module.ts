import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from '../../platform/http-errors.js';
import { GatewayErrorBody } from '../../platform/schemas.js';
import type { ApiModule } from '../module.js';
import { accessTokenRoutes } from './routes.js';

/** What the API gateway in front of the token endpoint answers: `{statusCode, message}`. */
const gatewayShape = {
  send: (reply: FastifyReply, _request: FastifyRequest, e: { status: number; title: string; detail: string }) =>
    // As text: the route's declared error schemas (Azure AD's body) must not reshape the gateway's.
    reply.code(e.status).type('application/json; charset=utf-8').send(JSON.stringify({ statusCode: e.status, message: `${e.title}. ${e.detail}` })),
  handler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
    const p = toProblem(error, request);
    return gatewayShape.send(reply, request, { status: p.status, title: p.title, detail: p.detail ?? '' });
  },
  body: { mediaType: 'application/json', schema: GatewayErrorBody, description: "The API gateway's error body (Azure AD's for 400 and a wrong secret)" },
};

/** The Access Token API, and the public keys that verify its tokens. Tokens are the platform's (src/platform/tokens.ts). */
export const accessTokenModule: ApiModule = {
  name: 'accesstoken',
  title: 'Access Token API',
  description: 'POST /accesstoken/get: access tokens for the APIs',
  prefixes: ['/accesstoken/', '/accessToken/', '/.well-known/jwks.json'],
  errors: gatewayShape,
  start: (platform) => ({ routes: accessTokenRoutes(platform) }),
};
