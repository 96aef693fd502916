import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { moduleOfPath, type ApiModule, type ErrorShape } from '../apis/module.js';
import { adminGuard } from '../platform/admin-guard.js';
import { problemShape } from '../platform/http-errors.js';
import { GatewayError } from '../platform/problems.js';
import { acceptJsonBodies } from '../platform/json-body.js';
import { DEFAULT_BODY_LIMIT } from '../platform/limits.js';
import { clientErrorHandler, DEFAULT_CONNECTION_LIMITS, guardConnections, serverOptions, type ConnectionLimits, type ShapeOf } from './connections.js';
import { routeKeys, type RateLimit, type RateLimiter } from '../platform/rate-limits.js';
import type { AppContext } from './context.js';
import { CONTROL_TAG, registerOpenApi, tagRoutes } from './openapi.js';
import { serializerFactory, validatorFactory } from './lazy-compilers.js';
import { prettyLog } from './pretty-log.js';
import { verifySerialization } from './verify-serialization.js';
import { activityControl } from './control/activity-routes.js';
import { deliveryControl } from './control/delivery-routes.js';
import { dashboardRoutes } from './dashboard/routes.js';
import { prefersHtml } from './dashboard/negotiate.js';
import { notFoundPage } from '../web/dashboard/pages.js';
import { DASHBOARD_CSP } from '../web/dashboard/layout.js';
import { platformControl } from './control/platform-routes.js';
import { userControl } from './control/user-routes.js';
import { faultHook } from './fault-hook.js';
import { siteGuard, type SiteOptions } from './site-guard.js';

export interface AppOptions {
  logLevel: string;
  /** `pretty`: one coloured (on a TTY) human line per event; `json`: pino's JSON lines. */
  logFormat?: 'pretty' | 'json';
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  /** Check every serialized response against JSON.stringify of the same payload (tests): a field a response schema leaves out fails the request. */
  verifySerialization?: boolean;
  /** Compile every request validator and response serializer at start-up, as Fastify does by default (otherwise on first use). */
  eagerSchemas?: boolean;
  /** Timeouts and connection caps (DEFAULT_CONNECTION_LIMITS). */
  limits?: ConnectionLimits;
  /** Host allowlist and cross-site refusal of the browser-facing routes. */
  site?: SiteOptions;
}

/** A route as served: what the fuzz suite and the docs walk. */
export interface ServedRoute {
  method: string;
  url: string;
  schema?: { body?: unknown; querystring?: unknown; params?: unknown; headers?: unknown };
}

/** The path of a request target: origin-form as it is, absolute-form (`http://host/path`, which the router also takes) without its origin. */
export function pathOf(url: string): string {
  const path = url.split('?')[0]!;
  if (path.startsWith('/')) return path;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(path);
  return scheme ? path.slice(scheme[0].length) || '/' : path;
}

/** A URL for the log: the values of secret query parameters (payment-link tokens) replaced. */
export const redactUrl = (url: string): string => url.replace(/([?&](?:token|access_token|client_secret|code)=)[^&#]*/gi, '$1[redacted]');

/** Path parameters longer than this are refused before routing (400 in the API's shape). */
export const MAX_PARAM_LENGTH = 256;

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
export async function buildApp(ctx: AppContext, modules: readonly ApiModule[], options: AppOptions): Promise<{ app: FastifyInstance; routes: readonly ServedRoute[]; shapeOfUrl: ShapeOf }> {
  const limits = options.limits ?? DEFAULT_CONNECTION_LIMITS;
  const site = options.site ?? { loopbackOnly: true, allowedHosts: [] };
  // What no route answers comes in the shape of the module that owns the path (the control API's otherwise).
  const shapeOfUrl = (url: string): ErrorShape => moduleOfPath(modules, pathOf(url))?.errors ?? controlShape;
  const shapeOf = (request: FastifyRequest): ErrorShape => shapeOfUrl(request.url);

  const verbose = options.logLevel === 'debug' || options.logLevel === 'trace';
  const app = Fastify({
    // Logs go to stderr: stdout carries what scripts read (the --json banner).
    // What a request line in the log says: never headers (credentials, tokens) or bodies, and the
    // secret of a payment link (`?token=`) redacted (docs/security.md).
    logger: {
      level: options.logLevel,
      stream: options.logFormat === 'pretty' ? prettyLog(process.stderr) : process.stderr,
      serializers: { req: (req: FastifyRequest) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }) },
    },
    // Fastify's two lines per request are off: one line per request at debug (below).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    forceCloseConnections: true,
    // Every route answers with and without a trailing slash (the eCom collection posts to /ecomm/v2/payments/).
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH, ignoreTrailingSlash: true },
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: serverOptions(limits),
    // Requests Node's parser refuses (oversized headers, malformed syntax, timeouts): in the owning API's shape, Connection: close.
    clientErrorHandler: clientErrorHandler(shapeOfUrl),
    // URLs the router cannot take (bad percent-encoding, over-long path parameters): in the owning API's shape.
    frameworkErrors: (error, request, reply) => {
      const detail =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? `A path parameter is longer than ${MAX_PARAM_LENGTH} characters.`
        : error.code === 'FST_ERR_BAD_URL' ? 'The URL is not valid (bad percent-encoding).'
        : 'The request cannot be routed.';
      return shapeOf(request).send(reply, request, { status: 400, title: 'Bad Request', detail });
    },
    ajv: {
      // Real Vipps rejects "1000" where it wants 1000: no type coercion, no silent stripping.
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: true },
    },
    schemaController: { compilersFactory: { buildValidator: validatorFactory(options.eagerSchemas === true), buildSerializer: serializerFactory(options.eagerSchemas === true) } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  guardConnections(app.server, limits, shapeOfUrl);

  // One log line per request only when asked for (debug): it costs on every request.
  if (verbose) {
    app.addHook('onResponse', (request, reply, done) => {
      request.log.debug(`${request.method} ${redactUrl(request.url)} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)} ms from ${request.ip}`);
      done();
    });
  }

  const routes: ServedRoute[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method, url: route.url, ...(route.schema ? { schema: route.schema as ServedRoute['schema'] } : {}) });
  });

  // One root hook, first on every request. HTTP/1.1 requires Host (RFC 9112 §3.2): a request
  // without one is a 400 in the owning API's shape. Then injected faults (latency, errors, outages,
  // maintenance) apply before any API sees the request.
  const requestFaults = [...ctx.instances.values()].flatMap((i) => (i.requestFaults ? [i.requestFaults] : []));
  const faults = faultHook(requestFaults, modules);
  app.addHook('onRequest', (request, reply, done) => {
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1') {
      shapeOf(request).send(reply, request, { status: 400, title: 'Bad Request', detail: 'An HTTP/1.1 request needs a Host header.' });
      return;
    }
    faults(request, reply, done);
  });
  if (options.verifySerialization) verifySerialization(app);

  // The OpenAPI document is collected from the routes' schemas: registered before any route.
  await registerOpenApi(app, ctx, modules, controlShape);

  const guard = adminGuard(ctx.adminToken);
  const browserGuard = siteGuard(site);
  const mount = async (routes: FastifyPluginAsync, shape: ErrorShape, tag: string, prefix?: string, guarded = false, browserFacing: boolean | readonly string[] = guarded, limits: readonly RateLimit[] = []) =>
    app.register(
      async (scope) => {
        acceptJsonBodies(scope);
        if (ctx.rateLimiter && limits.length > 0) limitRoutes(scope, ctx.rateLimiter, limits, shape);
        // The gateway in front of every API answers credentials errors in its own body (decision 29), whatever the API's shape.
        scope.setErrorHandler((error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) =>
          error instanceof GatewayError ? reply.code(error.statusCode).send(error.body()) : shape.handler(error, request, reply));
        // The control API and the pages: Host allowlist and no cross-site state changes (DNS rebinding, CSRF), then the admin token.
        if (browserFacing === true) scope.addHook('onRequest', browserGuard);
        else if (Array.isArray(browserFacing) && browserFacing.length > 0) {
          // Only the module's pages (e.g. Checkout's hosted page): its API is called from the shop's backend.
          scope.addHook('onRequest', (request, reply, done) => (browserFacing.some((p) => request.url.startsWith(p)) ? browserGuard(request, reply, done) : done()));
        }
        if (guarded) scope.addHook('onRequest', guard);
        tagRoutes(scope, tag, guarded);
        await scope.register(routes);
      },
      prefix ? { prefix } : {},
    );

  for (const module of modules) {
    const instance = ctx.instances.get(module.name)!;
    if (instance.routes) await mount(instance.routes, module.errors, module.title, undefined, false, module.browserFacing ?? false, module.rateLimits);
    if (instance.control) await mount(instance.control, controlShape, CONTROL_TAG, module.controlPrefix ?? `/devkit/v1/${module.name}`, true);
  }
  await mount(platformControl(ctx), controlShape, CONTROL_TAG, '/devkit/v1', true);
  await mount(userControl(ctx), controlShape, CONTROL_TAG, '/devkit/v1', true);
  await mount(deliveryControl(ctx), controlShape, CONTROL_TAG, '/devkit/v1', true);
  await mount(activityControl(ctx), controlShape, CONTROL_TAG, '/devkit/v1', true);

  const rootJson = () => ({
    name: 'vipps-devkit',
    apis: modules.filter((m) => m.statusComponent !== false).map((m) => ({ name: m.name, title: m.title, paths: m.prefixes })),
    pages: { app: '/app', status: '/status', dashboard: '/' },
    statusApi: '/api/v2/summary.json',
    control: '/devkit/v1/merchants',
    openapi: '/devkit/v1/openapi.json',
    docs: '/devkit/v1/docs',
  });
  // The dashboard: `/` for browsers (the JSON above for API clients) and /dashboard/…; errors as problems.
  await app.register(async (scope) => {
    scope.setErrorHandler((error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => controlShape.handler(error, request, reply));
    await scope.register(dashboardRoutes(ctx, modules, rootJson, { site: browserGuard, admin: guard }));
  });

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
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    // A path that some route answers with another method: 405 and the methods it does answer.
    const allowed = METHODS.filter((method) => method !== request.method && app.findRoute({ method, url: path }) !== null);
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return shapeOf(request).send(reply, request, { status: 405, title: 'Method Not Allowed', detail: `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}.` });
    }
    // A browser at a path no API owns gets a page with the way back; API clients keep their shape.
    if ((request.method === 'GET' || request.method === 'HEAD') && !moduleOfPath(modules, pathOf(request.url)) && !path.startsWith('/devkit/') && prefersHtml(request.headers.accept)) {
      return reply.code(404).type('text/html; charset=utf-8').header('content-security-policy', DASHBOARD_CSP).header('x-content-type-options', 'nosniff').send(notFoundPage(path).value);
    }
    return shapeOf(request).send(reply, request, { status: 404, title: 'Not Found', detail: `No API answers ${request.method} ${path} on this emulator.` });
  });
  // Errors raised before any module's handler could see them.
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => shapeOf(request).handler(error, request, reply));
  return { app, routes, shapeOfUrl };
}
