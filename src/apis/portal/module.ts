import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from '../../platform/http-errors.js';
import { portalErrorPage } from '../../web/portal/layout.js';
import type { ApiError, ApiModule } from '../module.js';
import { portalMigrations } from './migrations.js';
import { portalRoutes } from './routes.js';
import { PortalService } from './service.js';

/** The portal's errors are pages in its own frame. */
const portalPageShape = {
  send: (reply: FastifyReply, _request: FastifyRequest, e: ApiError) => reply.code(e.status).type('text/html; charset=utf-8').send(portalErrorPage(undefined, e.title, e.detail).value),
  handler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
    const p = toProblem(error, request);
    if (p.status >= 500) return portalPageShape.send(reply, request, { status: p.status, title: 'Something went wrong', detail: 'The emulator failed on this page; the error is in its log.' });
    return portalPageShape.send(reply, request, { status: p.status, title: 'Bad request', detail: p.detail ?? p.title });
  },
  body: { mediaType: 'text/html', schema: Type.String(), description: 'An error page' },
};

/**
 * The merchant portal (`/portal`): sign in as a test person with simulated BankID, sign a merchant
 * agreement for a company of the test register, make test sales units, show and regenerate their
 * keys, set Login redirect URIs and webhooks, see settlements; and the Vipps buttons page and web
 * component. Sales units are the platform's merchants; other modules' settings come through
 * `platform.salesUnits`.
 */
export const portalModule: ApiModule = {
  name: 'portal',
  title: 'Merchant portal',
  description: 'The merchant portal: onboarding, test sales units, API keys, Login and webhook settings, settlements, Vipps buttons',
  prefixes: ['/portal'],
  errors: portalPageShape,
  browserFacing: true,
  statusComponent: false,
  // No tables for a reset: merchant agreements and the sales units' companies are kept as the
  // merchants themselves are (a reset keeps credentials valid), and so are the sessions.
  tables: [],
  migrations: portalMigrations,
  start: (platform) => ({ routes: portalRoutes(platform, new PortalService(platform)) }),
};
