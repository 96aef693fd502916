/**
 * Framework adapters for requestServerGuard. Each reads the TCP peer from the socket itself
 * (never from a framework's own proxy settings) and the X-Forwarded-For header, and answers
 * 403 (or 503 before the first resolution finished) without calling the route.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GuardDecision, RequestServerGuard } from './guard.js';

const FORBIDDEN_BODY = JSON.stringify({ error: 'forbidden', detail: 'the source address is not a Vipps request server' });
const NOT_READY_BODY = JSON.stringify({ error: 'unavailable', detail: 'the request-server list is not resolved yet' });

export function refusal(decision: GuardDecision): { status: number; body: string } {
  return decision.reason === 'not-ready' ? { status: 503, body: NOT_READY_BODY } : { status: 403, body: FORBIDDEN_BODY };
}

function decide(guard: RequestServerGuard, req: IncomingMessage): GuardDecision {
  return guard.check(req.socket.remoteAddress, req.headers['x-forwarded-for']);
}

/** node:http: returns true when the request may proceed, otherwise has already answered it. */
export function nodeHttpGuard(guard: RequestServerGuard): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const decision = decide(guard, req);
    if (decision.allowed) return true;
    const { status, body } = refusal(decision);
    res.writeHead(status, { 'content-type': 'application/json', ...(status === 503 ? { 'retry-after': '5' } : {}) }).end(body);
    return false;
  };
}

type ExpressLikeResponse = ServerResponse & { status?: unknown };

/** Express (and Connect) middleware. */
export function expressGuard(guard: RequestServerGuard): (req: IncomingMessage, res: ExpressLikeResponse, next: (err?: unknown) => void) => void {
  const check = nodeHttpGuard(guard);
  return (req, res, next) => {
    if (check(req, res)) next();
  };
}

type FastifyLikeRequest = { raw: IncomingMessage };
type FastifyLikeReply = { code(status: number): FastifyLikeReply; header(name: string, value: string): FastifyLikeReply; send(body: string): unknown };

/**
 * Fastify `onRequest` hook: `app.addHook('onRequest', fastifyGuard(guard))` or per route. Callback
 * style rather than async: no promise per request on the hot path.
 */
export function fastifyGuard(guard: RequestServerGuard): (request: FastifyLikeRequest, reply: FastifyLikeReply, done: (err?: Error) => void) => void {
  return (request, reply, done) => {
    const decision = decide(guard, request.raw);
    if (decision.allowed) return done();
    const { status, body } = refusal(decision);
    reply.code(status).header('content-type', 'application/json').send(body);
  };
}

type KoaLikeContext = { req: IncomingMessage; status: number; body: unknown; type: string };

/** Koa middleware. */
export function koaGuard(guard: RequestServerGuard): (ctx: KoaLikeContext, next: () => Promise<unknown>) => Promise<void> {
  return async (ctx, next) => {
    const decision = decide(guard, ctx.req);
    if (decision.allowed) {
      await next();
      return;
    }
    const { status, body } = refusal(decision);
    ctx.status = status;
    ctx.type = 'application/json';
    ctx.body = body;
  };
}

type HonoLikeContext = { req: { header(name: string): string | undefined }; env?: unknown };

/** Where @hono/node-server keeps the Node request; other runtimes pass `remoteAddress`. */
function nodeServerPeer(c: HonoLikeContext): string | undefined {
  const env = c.env as { incoming?: IncomingMessage; server?: { incoming?: IncomingMessage } } | undefined;
  return (env?.server ?? env)?.incoming?.socket.remoteAddress;
}

/** Hono middleware; on runtimes other than @hono/node-server pass how to read the peer address. */
export function honoGuard(
  guard: RequestServerGuard,
  options: { remoteAddress?: (c: HonoLikeContext) => string | undefined } = {},
): (c: HonoLikeContext, next: () => Promise<void>) => Promise<Response | void> {
  const peer = options.remoteAddress ?? nodeServerPeer;
  return async (c, next) => {
    const decision = guard.check(peer(c), c.req.header('x-forwarded-for'));
    if (decision.allowed) return next();
    const { status, body } = refusal(decision);
    return new Response(body, { status, headers: { 'content-type': 'application/json' } });
  };
}
