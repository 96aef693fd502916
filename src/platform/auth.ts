import { Type, type TObject } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, HookHandlerDoneFunction } from 'fastify';
import type { Merchant, MerchantDirectory } from './merchants.js';
import { GatewayError, ProblemError, problem } from './problems.js';
import { GatewayErrorBody, MERCHANT_SECURITY, MsnHeader } from './schemas.js';
import type { TokenService, Verification } from './tokens.js';

/** What the gateway checks credentials against. */
export interface Credentials {
  merchants: MerchantDirectory;
  tokens: TokenService;
}

declare module 'fastify' {
  interface FastifyRequest {
    merchant?: Merchant;
  }
}

const MISSING_KEY = 'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.';
const INVALID_KEY = 'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.';

/**
 * What the real API gateway checks before a request reaches an API: the subscription key, then
 * the bearer token, then that both belong to the same sales unit. Gateway failures use the
 * gateway's own body ({statusCode, message}), as on apitest.vipps.no.
 */
export interface AuthOptions {
  requireMsn: boolean;
  /**
   * The Userinfo API documents the subscription key as required while Vipps' guides say not to send
   * it (and its own Postman requests leave it out): there a missing key is accepted; a key sent
   * must still be valid and belong to the token's sales unit.
   */
  optionalSubscriptionKey?: boolean;
}

export async function authenticate(ctx: Credentials, request: FastifyRequest, options: AuthOptions): Promise<Merchant> {
  const { keyOwner, token } = gate(ctx, request, options);
  return admit(ctx, request, keyOwner, await ctx.tokens.verify(token), options);
}

/**
 * As authenticate, synchronously, when the bearer token was verified before (the common case:
 * a client reuses its token for an hour); undefined when its signature still needs checking.
 */
export function authenticateKnown(ctx: Credentials, request: FastifyRequest, options: AuthOptions): Merchant | undefined {
  const { keyOwner, token } = gate(ctx, request, options);
  const verified = ctx.tokens.verifyKnown(token);
  return verified && admit(ctx, request, keyOwner, verified, options);
}

/** An onRequest hook that sets request.merchant: synchronous for known tokens, async otherwise. */
export function authenticateHook(ctx: Credentials, options: AuthOptions) {
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    let known: Merchant | undefined;
    try {
      known = authenticateKnown(ctx, request, options);
    } catch (err) {
      return done(err as Error);
    }
    if (known) {
      request.merchant = known;
      return done();
    }
    authenticate(ctx, request, options).then((merchant) => {
      request.merchant = merchant;
      done();
    }, (err: Error) => done(err));
  };
}

/**
 * Puts every route registered after it in `app` behind the gateway (authenticateHook), and writes
 * down what that means on each route's schema, so that the OpenAPI document says it: the security
 * requirement (access token and subscription key), the Merchant-Serial-Number header (required or
 * not, as the check is) and the gateway's 401 body (sent as an object, so it must be declared).
 */
export function merchantAuth(app: FastifyInstance, ctx: Credentials, options: { requireMsn: boolean }): void {
  app.addHook('onRequest', authenticateHook(ctx, options));
  const msnHeader = MsnHeader(options.requireMsn);
  app.addHook('onRoute', (route) => {
    const schema: FastifySchema = route.schema ?? {};
    route.schema = {
      ...schema,
      security: MERCHANT_SECURITY,
      headers: schema.headers ? Type.Composite([msnHeader, schema.headers as TObject]) : msnHeader,
      response: { 401: GatewayErrorBody, ...(schema.response as object | undefined) },
    } as FastifySchema;
  });
}

/** The subscription key, then the presence of a bearer token. */
function gate(ctx: Credentials, request: FastifyRequest, options: AuthOptions): { keyOwner: Merchant | undefined; token: string } {
  const key = header(request, 'ocp-apim-subscription-key');
  if (!key && !options.optionalSubscriptionKey) throw new GatewayError(401, MISSING_KEY);
  const keyOwner = key ? ctx.merchants.bySubscriptionKey(key) : undefined;
  if (key && !keyOwner) throw new GatewayError(401, INVALID_KEY);

  const authorization = header(request, 'authorization');
  if (!authorization || !authorization.startsWith('Bearer ')) throw new GatewayError(401, 'Unauthorized. Access token is missing or invalid.');
  return { keyOwner, token: authorization.slice(7).trim() };
}

/** The token's verdict, then that key and token belong to the same sales unit, then the MSN header. */
function admit(ctx: Credentials, request: FastifyRequest, keyOwner: Merchant | undefined, verified: Verification, options: AuthOptions): Merchant {
  if (!verified.ok) {
    throw new GatewayError(401, verified.reason === 'expired' ? 'Unauthorized. Access token has expired.' : 'Unauthorized. Access token is missing or invalid.');
  }
  const merchant = ctx.merchants.byClient(verified.clientId);
  if (!merchant) throw new GatewayError(401, 'Unauthorized. Access token is missing or invalid.');
  if (keyOwner && merchant.msn !== keyOwner.msn) throw new GatewayError(401, `${INVALID_KEY} The subscription key does not belong to the sales unit of the access token.`);

  const msn = header(request, 'merchant-serial-number');
  if (msn === undefined) {
    if (options.requireMsn) {
      throw new ProblemError({ ...problem(400, 'Missing required parameter', 'The Merchant-Serial-Number header is required.', '4140'), extraDetails: [{ name: 'Merchant-Serial-Number', reason: 'is required' }] });
    }
  } else if (!/^[0-9]{4,6}$/.test(msn)) {
    throw new ProblemError({ ...problem(400, 'Bad Request', 'Merchant-Serial-Number must be 4 to 6 digits.'), extraDetails: [{ name: 'Merchant-Serial-Number', reason: 'must match ^[0-9]{4,6}$' }] });
  } else if (msn !== merchant.msn) {
    throw new ProblemError(problem(403, 'Forbidden', `The Merchant-Serial-Number ${msn} is not linked to the API keys in use (they belong to ${merchant.msn}).`));
  }
  return merchant;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
