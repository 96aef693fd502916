import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { moduleOfPath, type ApiModule, type RequestDecision, type RequestFaults } from '../apis/module.js';

/**
 * The one onRequest hook (registered at the root, before the API plugins) that applies injected
 * faults: added latency, errors and outages per API or endpoint, and maintenance windows that make
 * an API unavailable. It runs before authentication, as a failing network or gateway would. Errors
 * answer in the owning module's shape. The control API and the status page are never faulted.
 * The faults come from whichever modules provide them (`ModuleInstance.requestFaults`).
 */
export function faultHook(providers: readonly RequestFaults[], modules: readonly ApiModule[]) {
  const faultable = modules.filter((m) => m.statusComponent !== false);
  const mayAffect = (): boolean => {
    for (const p of providers) if (p.mayAffectRequests()) return true;
    return false;
  };
  const decide = (method: string, path: string, api: string): RequestDecision | undefined => {
    let delayMs = 0;
    let fail: RequestDecision['fail'];
    for (const p of providers) {
      if (!p.mayAffectRequests()) continue;
      const d = p.decide(method, path, api);
      if (!d) continue;
      delayMs += d.delayMs;
      fail ??= d.fail;
    }
    return delayMs > 0 || fail ? { delayMs, ...(fail ? { fail } : {}) } : undefined;
  };
  return function onRequest(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    // Fast path: nothing injected, nothing to do (this runs on every request).
    if (!mayAffect()) return done();
    const path = request.url.split('?')[0]!;
    if (path.startsWith('/devkit/')) return done();
    const module = moduleOfPath(faultable, path);
    if (!module) return done();
    const decision = providers.length === 1 ? providers[0]!.decide(request.method, path, module.name) : decide(request.method, path, module.name);
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
