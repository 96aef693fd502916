import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { ApiModule } from '../../apis/module.js';
import { deliveryStore } from '../../delivery/store.js';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../environments/request-servers.js';
import { CursorError, type ActivityItem } from '../../platform/activity.js';
import { ClockRangeError, parseDuration } from '../../platform/clock.js';
import { acceptHtmlForms, htmlPageHeaders } from '../../platform/page-hooks.js';
import { ProblemError, problem } from '../../platform/problems.js';
import type { Html } from '../../web/html.js';
import { DASHBOARD_CSP, LIVE_SCRIPT } from '../../web/dashboard/layout.js';
import { deliveriesPage, detailPage, listPage, notFoundPage, operationsPage, overviewPage, signInPage, type Notices, type OperationsView } from '../../web/dashboard/pages.js';
import { KINDS } from '../../web/dashboard/parts.js';
import type { AppContext } from '../context.js';
import { findActivity } from '../control/activity-routes.js';
import { changedBetween, deliveryRows, Flash, latestDeliveries, snapshot } from './data.js';
import { ChangeFeed } from './live.js';
import { prefersHtml } from './negotiate.js';
import { dashboardSession } from './sign-in.js';

type Form = Record<string, string | undefined>;
interface Shown extends Notices {
  advanced?: OperationsView['advanced'];
}

const page = (reply: FastifyReply, body: Html, status = 200) => reply.code(status).type('text/html; charset=utf-8').send(body.value);

/** A path of this site to go back to after an action; anything else goes to the overview. */
const localPath = (back: string | undefined): string => (back && back.startsWith('/') && !back.startsWith('//') && !back.includes('\\') ? back : '/');

function withFlash(back: string, flash: string): string {
  const url = new URL(localPath(back), 'http://dashboard.invalid');
  url.searchParams.set('flash', flash);
  return `${url.pathname}${url.search}`;
}

/**
 * The dashboard (docs/dashboard.md): the root page for browsers and /dashboard/…, server-rendered
 * from the modules' listings (platform/activity.ts), the delivery log, the clock and the request
 * servers; faults and maintenance through the status module's control routes (no module imported).
 * Actions are plain forms (Post/Redirect/Get); /dashboard/events streams changes.
 */
export function dashboardRoutes(ctx: AppContext, modules: readonly ApiModule[], rootJson: () => unknown, guards: { site: onRequestHookHandler; admin: (request: FastifyRequest) => Promise<void> }) {
  const flash = new Flash<Shown>();
  const apis = modules.filter((m) => m.statusComponent !== false).map((m) => ({ name: m.name, title: m.title }));

  return async (app: FastifyInstance) => {
    // The pages change state (replay, clock, faults): the control API's Host allowlist, cross-site
    // refusal and admin token apply. The root's JSON answer stays open to any client, as before.
    const isRootJson = (request: FastifyRequest) => request.url.split('?')[0] === '/' && !prefersHtml(request.headers.accept);
    app.addHook('onRequest', (request, reply, next) => (isRootJson(request) ? next() : guards.site.call(app, request, reply, next)));
    // With an admin token: the sign-in cookie (browsers) or the token as a header (API clients, the SSE test).
    const session = dashboardSession(ctx.adminToken);
    app.addHook('onRequest', async (request, reply) => {
      const path = request.url.split('?')[0]!;
      if (isRootJson(request) || path === '/dashboard/sign-in' || session.signedIn(request)) return;
      if (request.method === 'GET' && prefersHtml(request.headers.accept)) return reply.redirect(`/dashboard/sign-in?next=${encodeURIComponent(request.url)}`, 303);
      await guards.admin(request);
    });
    acceptHtmlForms(app);
    // Actions are HTML forms; anything else posted here is refused before it can change state.
    app.addHook('preHandler', async (request) => {
      if (request.method === 'POST' && !String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        throw new ProblemError(problem(415, 'Unsupported Media Type', 'The dashboard\'s actions take HTML forms (application/x-www-form-urlencoded).'));
      }
    });
    htmlPageHeaders(app, DASHBOARD_CSP);

    // The status module's control routes, called in-process (with the admin token when one is set).
    const control = async <T>(method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown): Promise<{ status: number; body: T }> => {
      const res = await app.inject({
        method,
        url,
        headers: { host: 'localhost', ...(ctx.adminToken ? { authorization: `Bearer ${ctx.adminToken}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
      return { status: res.statusCode, body: (res.body ? JSON.parse(res.body) : undefined) as T };
    };
    const faults = async () => (await control<{ faults?: Array<{ id: string; description: string; createdAt: string }> }>('GET', '/devkit/v1/faults')).body?.faults ?? [];
    const maintenances = async () =>
      (await control<{ maintenances?: Array<{ id: string; name: string; status: string; scheduledFor: string; scheduledUntil: string; apis: string[] }> }>('GET', '/devkit/v1/maintenances')).body?.maintenances ?? [];

    const feed = new ChangeFeed(
      async () => {
        await ctx.database.durable();
        const [activity, deliveries, f] = await Promise.all([ctx.activity.changeMark(), deliveryStore.changeMark(ctx.database.db), faults()]);
        return `${activity}|${deliveries}|${ctx.clock.offset}|${JSON.stringify(ctx.servers.all())}|${f.map((x) => x.id).join(',')}`;
      },
      400,
      (err) => app.log.warn({ err }, 'dashboard live view'),
    );
    app.addHook('onClose', async () => feed.close());

    const shown = (request: FastifyRequest): Shown => flash.get((request.query as { flash?: string }).flash) ?? {};
    const done = (reply: FastifyReply, back: string | undefined, what: Shown) => {
      feed.poke();
      return reply.redirect(withFlash(localPath(back), flash.put(what)), 303);
    };

    app.get('/dashboard/live.js', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(LIVE_SCRIPT));

    app.get('/dashboard/events', { schema: { hide: true } }, async (request, reply) => {
      // A stream for EventSource only: any other client gets an answer instead of a response that never ends.
      if (!String(request.headers.accept ?? '').includes('text/event-stream')) {
        throw new ProblemError(problem(406, 'Not Acceptable', 'This is the dashboard\'s Server-Sent Events stream: ask with Accept: text/event-stream.'));
      }
      reply.hijack();
      await feed.open(reply.raw);
    });

    app.get('/dashboard', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/', 302));

    app.get('/dashboard/sign-in', { schema: { hide: true } }, async (request, reply) =>
      page(reply, signInPage(localPath((request.query as { next?: string }).next), ctx.adminToken === undefined)));
    app.post('/dashboard/sign-in', { schema: { hide: true } }, async (request, reply) => {
      const form = (request.body ?? {}) as Form;
      const next = localPath(form.next);
      if (session.signIn(reply, form.token ?? '')) return reply.redirect(next, 303);
      return page(reply, signInPage(next, ctx.adminToken === undefined, 'That is not the admin token.'), 401);
    });

    // ------------------------------------------------------------------ listings and details

    for (const meta of KINDS) {
      app.get(`/dashboard/${meta.path}`, { schema: { hide: true } }, async (request, reply) => {
        const query = request.query as { q?: string; state?: string; msn?: string; cursor?: string };
        const source = ctx.activity.source(meta.kind);
        const states = source?.states ?? [];
        const q = query.q?.trim().slice(0, 100) || undefined;
        const state = query.state && states.includes(query.state) ? query.state : undefined;
        const msn = query.msn && ctx.merchants.get(query.msn) ? query.msn : undefined;
        await ctx.database.durable();
        let result: { items: ActivityItem[]; cursor: string | null } = { items: [], cursor: null };
        let error: string | undefined;
        try {
          result = await ctx.activity.page(meta.kind, { ...(q ? { search: q } : {}), ...(state ? { state } : {}), ...(msn ? { msn } : {}), ...(query.cursor ? { cursor: query.cursor } : {}), limit: 50 });
        } catch (err) {
          if (!(err instanceof CursorError)) throw err;
          error = err.message;
        }
        const next = new URLSearchParams({ ...(q ? { q } : {}), ...(state ? { state } : {}), ...(msn ? { msn } : {}), ...(result.cursor ? { cursor: result.cursor } : {}) });
        return page(
          reply,
          listPage({
            ...shown(request),
            ...(error ? { error } : {}),
            meta,
            items: result.items,
            states,
            merchants: ctx.merchants.all().map((m) => m.msn),
            query: { ...(q ? { q } : {}), ...(state ? { state } : {}), ...(msn ? { msn } : {}) },
            nextHref: result.cursor ? `/dashboard/${meta.path}?${next.toString()}` : null,
          }),
        );
      });

      app.get(`/dashboard/${meta.path}/:id`, { schema: { hide: true } }, async (request, reply) => {
        const { id } = request.params as { id: string };
        const { msn } = request.query as { msn?: string };
        await ctx.database.durable();
        try {
          const d = await findActivity(ctx, meta.kind, id, msn || undefined);
          const { timeline, document, deliveries, ...item } = d;
          const back = `/dashboard/${meta.path}/${encodeURIComponent(id)}?msn=${encodeURIComponent(item.msn)}`;
          return page(reply, detailPage({ ...shown(request), item, timeline, document, deliveries: deliveryRows(deliveries), back }));
        } catch (err) {
          if (err instanceof ProblemError) return page(reply, notFoundPage(`${request.url.split('?')[0]} (${err.problem.detail})`), err.problem.status);
          throw err;
        }
      });
    }

    app.get('/dashboard/deliveries', { schema: { hide: true } }, async (request, reply) => {
      const { reference } = request.query as { reference?: string };
      const ref = reference?.trim().slice(0, 64) || undefined;
      return page(reply, deliveriesPage({ ...shown(request), rows: await latestDeliveries(ctx, 100, ref), query: ref ? { reference: ref } : {} }));
    });

    app.post('/dashboard/deliveries/:id/replay', { schema: { hide: true } }, async (request, reply) => {
      const { id } = request.params as { id: string };
      const back = (request.body as Form | undefined)?.back;
      const replay = await ctx.database.commands.run((trx) => ctx.outbox.replay(trx, id.slice(0, 64), ctx.ids.uuidv7()));
      if (replay === undefined) return done(reply, back, { error: `No delivery ${id}.` });
      if (replay === 'no-target') return done(reply, back, { error: `Delivery ${id} was recorded before targets were kept; it cannot be sent again.` });
      return done(reply, back, { info: `Replaying ${replay.event_type} to ${replay.target_url} (new delivery ${replay.id}).` });
    });

    // ------------------------------------------------------------------ overview

    const overview = async (request: FastifyRequest, reply: FastifyReply) => {
      await ctx.database.durable();
      const counts = await Promise.all(
        KINDS.map(async (meta) => {
          const p = await ctx.activity.page(meta.kind, { limit: 99 });
          return { meta, latest: p.items, more: p.cursor !== null };
        }),
      );
      const recent = counts
        .flatMap((c) => c.latest.slice(0, 15))
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
        .slice(0, 15);
      return page(
        reply,
        overviewPage({
          ...shown(request),
          now: ctx.clock.now().toISOString(),
          offsetMs: ctx.clock.offset,
          counts,
          recent,
          deliveries: await latestDeliveries(ctx, 10),
          activeFaults: (await faults()).length,
          deliveringFrom: ctx.servers.deliveryServer(),
        }),
      );
    };

    // ------------------------------------------------------------------ clock and operations

    app.get('/dashboard/operations', { schema: { hide: true } }, async (request, reply) =>
      page(
        reply,
        operationsPage({
          ...shown(request),
          now: ctx.clock.now().toISOString(),
          offsetMs: ctx.clock.offset,
          faults: await faults(),
          maintenances: await maintenances(),
          apis,
          home: ctx.servers.home,
          deliveringFrom: ctx.servers.deliveryServer(),
          environments: ctx.servers.all(),
        }),
      ));

    app.post('/dashboard/clock/advance', { schema: { hide: true } }, async (request, reply) => {
      const form = (request.body ?? {}) as Form;
      const back = '/dashboard/operations';
      const text = (form.duration ?? '').trim();
      let ms: number;
      try {
        ms = parseDuration(text);
        ctx.clock.check(ms);
      } catch (err) {
        return done(reply, back, { error: `Cannot advance by "${text.slice(0, 40)}": ${(err as Error).message}. Use e.g. 10m, 2h, 3d or PT10M.` });
      }
      await ctx.database.durable();
      const from = ctx.clock.now();
      const before = await snapshot(ctx);
      const deliveriesDue = await deliveryStore.dueBetween(ctx.database.db, from.toISOString(), new Date(from.getTime() + ms).toISOString());
      try {
        await ctx.clock.advance(ms);
      } catch (err) {
        if (err instanceof ClockRangeError) return done(reply, back, { error: err.message });
        throw err;
      }
      await ctx.database.durable();
      const changed = changedBetween(before, await snapshot(ctx));
      return done(reply, back, { info: `Clock advanced by ${text}.`, advanced: { by: text, changed, deliveriesDue } });
    });

    app.post('/dashboard/faults', { schema: { hide: true } }, async (request, reply) => {
      const form = (request.body ?? {}) as Form;
      const type = form.type ?? 'errors';
      const num = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : Number(v));
      const body: Record<string, unknown> = { type };
      if (form.api) body.api = form.api;
      if (type === 'errors') Object.assign(body, { status: num(form.status), rate: num(form.rate) });
      if (type === 'latency') body.latencyMs = num(form.latencyMs);
      if (type === 'callbacks' && form.mode) body.mode = form.mode;
      for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
      const res = await control<{ detail?: string; fault?: { description: string } }>('POST', '/devkit/v1/faults', body);
      return done(reply, '/dashboard/operations', res.status < 300 ? { info: `Fault injected: ${res.body.fault?.description ?? type}.` } : { error: `The fault was refused: ${res.body.detail ?? res.status}` });
    });

    app.post('/dashboard/faults/:id/clear', { schema: { hide: true } }, async (request, reply) => {
      const { id } = request.params as { id: string };
      const res = await control<{ detail?: string }>('DELETE', `/devkit/v1/faults/${encodeURIComponent(id)}`);
      return done(reply, '/dashboard/operations', res.status < 300 ? { info: 'Fault cleared.' } : { error: res.body.detail ?? `HTTP ${res.status}` });
    });

    app.post('/dashboard/maintenances', { schema: { hide: true } }, async (request, reply) => {
      const form = (request.body ?? {}) as Form;
      const body = { duration: form.duration ?? '', ...(form.startsIn ? { startsIn: form.startsIn } : {}), ...(form.api ? { apis: [form.api] } : {}) };
      const res = await control<{ detail?: string }>('POST', '/devkit/v1/maintenances', body);
      return done(reply, '/dashboard/operations', res.status < 300 ? { info: 'Maintenance scheduled.' } : { error: `The maintenance was refused: ${res.body.detail ?? res.status}` });
    });

    app.post('/dashboard/maintenances/:id/end', { schema: { hide: true } }, async (request, reply) => {
      const { id } = request.params as { id: string };
      const res = await control<{ detail?: string }>('DELETE', `/devkit/v1/maintenances/${encodeURIComponent(id)}`);
      return done(reply, '/dashboard/operations', res.status < 300 ? { info: 'Maintenance ended.' } : { error: res.body.detail ?? `HTTP ${res.status}` });
    });

    app.post('/dashboard/request-servers/:environment/:action', { schema: { hide: true } }, async (request, reply) => {
      const { environment, action } = request.params as { environment: string; action: string };
      if (!(ENVIRONMENT_NAMES as readonly string[]).includes(environment) || !['rotate', 'down', 'up'].includes(action)) {
        return done(reply, '/dashboard/operations', { error: `Unknown environment or action: ${environment} ${action}.` });
      }
      const env = environment as EnvironmentName;
      if (action === 'rotate') await ctx.servers.rotate(env);
      else await ctx.servers.setDown(env, action === 'down');
      ctx.dispatcher.wake();
      return done(reply, '/dashboard/operations', { info: action === 'rotate' ? `${env} rotated: ${ctx.servers.all().find((e) => e.environment === env)?.active.hostname} is active.` : `${env} is ${action}.` });
    });

    // The root: the dashboard for browsers, the emulator's map as JSON for everyone else.
    app.get('/', { schema: { hide: true } }, async (request, reply) => (prefersHtml(request.headers.accept) ? overview(request, reply) : rootJson()));
  };
}
