import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { apiOfPath, type ApiKey, type Operations } from '../environments/operations.js';
import { problem } from '../platform/problems.js';
import { errorPage } from '../web/error-page.js';
import { sendEcomErrors, sendProblem } from './errors.js';

/**
 * The one onRequest hook (registered at the root, before the API plugins) that applies injected
 * faults: added latency, errors and outages per API or endpoint, and maintenance windows that make
 * an API unavailable. It runs before authentication, as a failing network or gateway would. Errors
 * answer in the API's own shape. The control API, the status page and its API are never faulted.
 */
export function faultHook(operations: Operations) {
  return function onRequest(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    // Fast path: nothing injected, nothing to do (this runs on every request).
    if (!operations.mayAffectRequests()) return done();
    const path = request.url.split('?')[0]!;
    const api = apiOfPath(path);
    if (!api) return done();
    const decision = operations.decide(request.method, path, api);
    if (!decision) return done();
    const apply = () => {
      const fail = decision.fail;
      if (!fail) return done();
      if (fail.kind === 'reset') {
        // A full outage: the connection is reset without an answer.
        reply.hijack();
        request.raw.socket.resetAndDestroy?.() ?? request.raw.socket.destroy();
        return;
      }
      sendInShape(api, reply, path, fail.status, fail.title, fail.detail);
    };
    if (decision.delayMs > 0) setTimeout(apply, decision.delayMs);
    else apply();
  };
}

function sendInShape(api: ApiKey, reply: FastifyReply, path: string, status: number, title: string, detail: string): void {
  switch (api) {
    case 'accesstoken':
      // What the API gateway in front of the token endpoint answers.
      void reply.code(status).send({ statusCode: status, message: `${title}. ${detail}` });
      return;
    case 'epayment':
    case 'webhooks':
      void sendProblem(reply, problem(status, title, detail), path);
      return;
    case 'ecom':
      // eCom's own error array; an injected failure is the platform's internal error.
      void sendEcomErrors(reply, [{ status, group: 'VippsError', code: '99', message: `${title}. ${detail}` }]);
      return;
    case 'userside':
      void reply.code(status).type('text/html; charset=utf-8').send(errorPage(title, detail).value);
      return;
  }
}
