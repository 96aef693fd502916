import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { moduleOfPath, type ApiModule } from '../apis/module.js';
import type { Operations } from '../environments/operations.js';

/**
 * The one onRequest hook (registered at the root, before the API plugins) that applies injected
 * faults: added latency, errors and outages per API or endpoint, and maintenance windows that make
 * an API unavailable. It runs before authentication, as a failing network or gateway would. Errors
 * answer in the owning module's shape. The control API and the status page are never faulted.
 */
export function faultHook(operations: Operations, modules: readonly ApiModule[]) {
  const faultable = modules.filter((m) => m.statusComponent !== false);
  return function onRequest(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    // Fast path: nothing injected, nothing to do (this runs on every request).
    if (!operations.mayAffectRequests()) return done();
    const path = request.url.split('?')[0]!;
    if (path.startsWith('/devkit/')) return done();
    const module = moduleOfPath(faultable, path);
    if (!module) return done();
    const decision = operations.decide(request.method, path, module.name);
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
      void module.errors.send(reply, request, { status: fail.status, title: fail.title, detail: fail.detail });
    };
    if (decision.delayMs > 0) setTimeout(apply, decision.delayMs);
    else apply();
  };
}
