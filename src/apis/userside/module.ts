import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from '../../platform/http-errors.js';
import { errorPage } from '../../web/error-page.js';
import type { ApiError, ApiModule } from '../module.js';
import { usersideRoutes } from './routes.js';

/** Errors on the user's side are pages, in the pages' own style. */
const pageShape = {
  send: (reply: FastifyReply, _request: FastifyRequest, e: ApiError) => reply.code(e.status).type('text/html; charset=utf-8').send(errorPage(e.title, e.detail).value),
  handler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
    // The same mapping as every API (bad JSON 400, wrong content type 415, the unexpected 500, logged), shown as a page.
    const p = toProblem(error, request);
    if (p.status >= 500) return pageShape.send(reply, request, { status: p.status, title: 'Something went wrong', detail: 'The emulator failed on this page; the error is in its log.' });
    return pageShape.send(reply, request, { status: p.status, title: 'Bad request', detail: p.detail ?? p.title });
  },
  body: { mediaType: 'text/html', schema: Type.String(), description: 'An error page' },
};

/** The user side: landing page, app switch, QR images and the simulated Vipps app. */
export const usersideModule: ApiModule = {
  name: 'userside',
  title: 'Landing page and Vipps app',
  description: 'The user side: landing page, app switch, QR codes and the (simulated) app',
  // ePayment's QR images (`/qr/v1?token=`) are served here but lie under the QR API's `/qr/`: faults on the QR API reach them.
  prefixes: ['/landing', '/app-switch', '/app', '/dwo-api-application/'],
  errors: pageShape,
  browserFacing: true,
  // The user inbox's table (src/platform/user-inbox.ts): reset with the pages that show it.
  tables: [{ name: 'app_requests', msnColumn: 'msn' }],
  start: (platform) => ({ routes: usersideRoutes(platform) }),
};
