import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { moduleOfPath, type ApiModule, type ErrorShape } from '../apis/module.js';
import { adminGuard } from '../platform/admin-guard.js';
import { problemShape } from '../platform/http-errors.js';
import { GatewayError } from '../platform/problems.js';
import { acceptJsonBodies } from '../platform/json-body.js';
import type { AppContext } from './context.js';
import { CONTROL_TAG, registerOpenApi, tagRoutes } from './openapi.js';
import { serializerFactory } from './lazy-serializers.js';
import { verifySerialization } from './verify-serialization.js';
import { deliveryControl } from './control/delivery-routes.js';
import { platformControl } from './control/platform-routes.js';
import { userControl } from './control/user-routes.js';
import { faultHook } from './fault-hook.js';

export interface AppOptions {
  logLevel: string;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  /** Check every serialized response against JSON.stringify of the same payload (tests): a field a response schema leaves out fails the request. */
  verifySerialization?: boolean;
  /** Compile every response serializer at start-up, as Fastify does by default (otherwise on first use). */
  eagerSerializers?: boolean;
}

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
    ajv: {
      // Real Vipps rejects "1000" where it wants 1000: no type coercion, no silent stripping.
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: true },
    },
    schemaController: { compilersFactory: { buildSerializer: serializerFactory(options.eagerSerializers === true) } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Injected faults (latency, errors, outages, maintenance) apply before any API sees the request.
  const requestFaults = [...ctx.instances.values()].flatMap((i) => (i.requestFaults ? [i.requestFaults] : []));
  app.addHook('onRequest', faultHook(requestFaults, modules));
  if (options.verifySerialization) verifySerialization(app);

  // The OpenAPI document is collected from the routes' schemas: registered before any route.
  await registerOpenApi(app, ctx, modules, controlShape);

  const guard = adminGuard(ctx.adminToken);
  const mount = async (routes: FastifyPluginAsync, shape: ErrorShape, tag: string, prefix?: string, guarded = false) =>
    app.register(
      async (scope) => {
        acceptJsonBodies(scope);
        // The gateway in front of every API answers credentials errors in its own body (decision 9), whatever the API's shape.
        scope.setErrorHandler((error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) =>
          error instanceof GatewayError ? reply.code(error.statusCode).send(error.body()) : shape.handler(error, request, reply));
        if (guarded) scope.addHook('onRequest', guard);
        tagRoutes(scope, tag, guarded);
        await scope.register(routes);
      },
      prefix ? { prefix } : {},
    );

  for (const module of modules) {
    const instance = ctx.instances.get(module.name)!;
    if (instance.routes) await mount(instance.routes, module.errors, module.title);
    if (instance.control) await mount(instance.control, controlShape, CONTROL_TAG, module.controlPrefix ?? `/devkit/v1/${module.name}`, true);
  }
  await mount(platformControl(ctx), controlShape, CONTROL_TAG, '/devkit/v1', true);
  await mount(userControl(ctx), controlShape, CONTROL_TAG, '/devkit/v1', true);
  await mount(deliveryControl(ctx), controlShape, CONTROL_TAG, '/devkit/v1', true);

  app.get('/', { schema: { hide: true } }, async () => ({
    name: 'vipps-devkit',
    apis: modules.filter((m) => m.statusComponent !== false).map((m) => ({ name: m.name, title: m.title, paths: m.prefixes })),
    pages: { app: '/app', status: '/status' },
    statusApi: '/api/v2/summary.json',
    control: '/devkit/v1/merchants',
    openapi: '/devkit/v1/openapi.json',
    docs: '/devkit/v1/docs',
  }));

  // What no route answers comes in the shape of the module that owns the path (the control API's otherwise).
  const shapeOf = (request: FastifyRequest): ErrorShape => moduleOfPath(modules, request.url.split('?')[0]!)?.errors ?? controlShape;
  app.setNotFoundHandler((request, reply) =>
    shapeOf(request).send(reply, request, { status: 404, title: 'Not Found', detail: `No API answers ${request.method} ${request.url.split('?')[0]} on this emulator.` }),
  );
  // Errors raised before any module's handler could see them (malformed URLs, oversized headers).
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => shapeOf(request).handler(error, request, reply));
  return app;
}
