import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { accessTokenRoutes } from '../apis/accesstoken/routes.js';
import { devkitRoutes } from '../apis/devkit/routes.js';
import { userControlRoutes } from '../apis/devkit/user-routes.js';
import { deliveryControlRoutes } from '../apis/devkit/delivery-routes.js';
import { ecomControlRoutes } from '../apis/devkit/ecom-routes.js';
import { operationsControlRoutes } from '../apis/devkit/operations-routes.js';
import { ecomRoutes } from '../apis/ecom/routes.js';
import { epaymentRoutes } from '../apis/epayment/routes.js';
import { statusRoutes } from '../apis/status/routes.js';
import { webhookRoutes } from '../apis/webhooks/routes.js';
import { problem } from '../platform/problems.js';
import type { AppContext } from './context.js';
import { sendProblem } from './errors.js';
import { faultHook } from './fault-hook.js';
import { webRoutes } from '../web/routes.js';

export interface AppOptions {
  logLevel: string;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
}

/** Builds the HTTP app: one encapsulated plugin per API, each with its own error shape. */
export async function buildApp(ctx: AppContext, options: AppOptions): Promise<FastifyInstance> {
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
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Injected faults (latency, errors, outages, maintenance) apply before any API sees the request.
  app.addHook('onRequest', faultHook(ctx.operations));
  await app.register(accessTokenRoutes, { ctx });
  await app.register(epaymentRoutes, { ctx });
  await app.register(ecomRoutes, { ctx });
  await app.register(webhookRoutes, { ctx });
  await app.register(devkitRoutes, { ctx });
  await app.register(userControlRoutes, { ctx });
  await app.register(webRoutes, { ctx });
  await app.register(deliveryControlRoutes, { ctx });
  await app.register(ecomControlRoutes, { ctx });
  await app.register(operationsControlRoutes, { ctx });
  await app.register(statusRoutes, { ctx });
  app.get('/', async () => ({
    name: 'vipps-devkit',
    apis: ['/accesstoken/get', '/epayment/v1/payments', '/ecomm/v2/payments', '/webhooks/v1/webhooks'],
    pages: { app: '/app', status: '/status' },
    statusApi: '/api/v2/summary.json',
    control: '/devkit/v1/merchants',
    docs: 'docs/ in the vipps-devkit repository',
  }));
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problem(404, 'Not Found', `No API answers ${request.method} ${request.url.split('?')[0]} on this emulator.`), request.url.split('?')[0]!),
  );
  return app;
}
