import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { moduleOfPath, type ApiModule, type ErrorShape } from '../apis/module.js';
import { adminGuard } from '../platform/admin-guard.js';
import { problemShape } from '../platform/http-errors.js';
import { GatewayError } from '../platform/problems.js';
import { acceptJsonBodies } from '../platform/json-body.js';
import { routeKeys, type RateLimit, type RateLimiter } from '../platform/rate-limits.js';
import type { AppContext } from './context.js';
import { deliveryControl } from './control/delivery-routes.js';
import { platformControl } from './control/platform-routes.js';
import { userControl } from './control/user-routes.js';
import { faultHook } from './fault-hook.js';

export interface AppOptions {
  logLevel: string;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
}

/** The methods a 405 may name as allowed. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * Puts the module's rate limits on its routes (`ApiModule.rateLimits`): one check per limited route,
 * after authentication and body parsing (the key may use the MSN or a body field), before
 * validation; over the limit a 429 in the module's shape with Retry-After. Other routes get nothing.
 */
function limitRoutes(scope: FastifyInstance, limiter: RateLimiter, limits: readonly RateLimit[], shape: ErrorShape) {
  const byRoute = new Map<string, { id: string; limit: RateLimit }>();
  limits.forEach((limit, i) => {
    for (const route of limit.routes) byRoute.set(route.replace(/\s+/, ' '), { id: `${i}:${limit.endpoint}`, limit });
  });
  scope.addHook('onRoute', (route) => {
    const found = routeKeys(route.method, route.url).map((k) => byRoute.get(k)).find(Boolean);
    if (!found) return;
    const { id, limit } = found;
    const counter = limiter.counter(id, limit);
    const check = (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
      const hit = counter.take(request);
      if (!hit) return done();
      reply.header('retry-after', String(hit.retryAfterSeconds));
      shape.send(reply, request, {
        status: 429,
        title: 'Too Many Requests',
        detail: `Rate limit of ${limit.endpoint} exceeded: at most ${limit.limit} requests per ${limit.windowSeconds} seconds per ${limit.per.map(partName).join(' and ')}. Try again in ${hit.retryAfterSeconds} seconds.`,
      });
    };
    const before = route.preValidation;
    route.preValidation = before === undefined ? check : [...(Array.isArray(before) ? before : [before]), check];
  });
}

const partName = (p: RateLimit['per'][number]) =>
  p === 'msn' ? 'MSN' : p === 'subscriptionKey' ? 'subscription key' : 'param' in p ? p.param : 'body' in p ? p.body : p.header;

/** The control API's own shape: RFC 7807 problems. */
const controlShape: ErrorShape = problemShape;

/**
 * Builds the HTTP app from the registry: every module's routes in an encapsulated plugin with its
 * error handler and JSON body parser, its control routes under /devkit/v1 behind the admin guard,
 * and the errors no route sees (404, bad URLs) in the shape of the module that owns the path.
 */
export async function buildApp(ctx: AppContext, modules: readonly ApiModule[], options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // Logs go to stderr: stdout carries what scripts read (the --json banner).
    logger: { level: options.logLevel, stream: process.stderr },
    // One log line per request only when asked for (debug): it costs on every request.
    logController: new LogController({ disableRequestLogging: options.logLevel !== 'debug' && options.logLevel !== 'trace' }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    forceCloseConnections: true,
    // Every route answers with and without a trailing slash (the eCom collection posts to /ecomm/v2/payments/).
    routerOptions: { ignoreTrailingSlash: true },
    ajv: {
      // Real Vipps rejects "1000" where it wants 1000: no type coercion, no silent stripping.
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: true },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Injected faults (latency, errors, outages, maintenance) apply before any API sees the request.
  const requestFaults = [...ctx.instances.values()].flatMap((i) => (i.requestFaults ? [i.requestFaults] : []));
  app.addHook('onRequest', faultHook(requestFaults, modules));

  const guard = adminGuard(ctx.adminToken);
  const mount = async (routes: FastifyPluginAsync, shape: ErrorShape, prefix?: string, guarded = false, limits: readonly RateLimit[] = []) =>
    app.register(
      async (scope) => {
        acceptJsonBodies(scope);
        if (ctx.rateLimiter && limits.length > 0) limitRoutes(scope, ctx.rateLimiter, limits, shape);
        // The gateway in front of every API answers credentials errors in its own body (decision 9), whatever the API's shape.
        scope.setErrorHandler((error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) =>
          error instanceof GatewayError ? reply.code(error.statusCode).send(error.body()) : shape.handler(error, request, reply));
        if (guarded) scope.addHook('onRequest', guard);
        await scope.register(routes);
      },
      prefix ? { prefix } : {},
    );

  for (const module of modules) {
    const instance = ctx.instances.get(module.name)!;
    if (instance.routes) await mount(instance.routes, module.errors, undefined, false, module.rateLimits);
    if (instance.control) await mount(instance.control, controlShape, module.controlPrefix ?? `/devkit/v1/${module.name}`, true);
  }
  await mount(platformControl(ctx), controlShape, '/devkit/v1', true);
  await mount(userControl(ctx), controlShape, '/devkit/v1', true);
  await mount(deliveryControl(ctx), controlShape, '/devkit/v1', true);

  app.get('/', async () => ({
    name: 'vipps-devkit',
    apis: modules.filter((m) => m.statusComponent !== false).map((m) => ({ name: m.name, title: m.title, paths: m.prefixes })),
    pages: { app: '/app', status: '/status' },
    statusApi: '/api/v2/summary.json',
    control: '/devkit/v1/merchants',
    docs: 'docs/ in the vipps-devkit repository',
  }));

  // What no route answers comes in the shape of the module that owns the path (the control API's otherwise),
  // whatever the body: unrouted requests take any media type and their body is drained unread (an
  // empty JSON body, as the official SDK sends on DELETE, or text/plain must not turn a 404 into a 400).
  // The modules' scopes were built above with parsers of their own, so this reaches only the 404s.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => {
    payload.on('error', () => undefined);
    payload.on('end', () => done(null, undefined));
    payload.resume();
  });
  const shapeOf = (request: FastifyRequest): ErrorShape => moduleOfPath(modules, request.url.split('?')[0]!)?.errors ?? controlShape;
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    // A path that some route answers with another method: 405 and the methods it does answer.
    const allowed = METHODS.filter((method) => method !== request.method && app.findRoute({ method, url: path }) !== null);
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return shapeOf(request).send(reply, request, { status: 405, title: 'Method Not Allowed', detail: `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}.` });
    }
    return shapeOf(request).send(reply, request, { status: 404, title: 'Not Found', detail: `No API answers ${request.method} ${path} on this emulator.` });
  });
  // Errors raised before any module's handler could see them (malformed URLs, oversized headers).
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => shapeOf(request).handler(error, request, reply));
  return app;
}
