import type { FastifyPluginAsync } from 'fastify';
import type { Platform } from '../module.js';
import { statusPage } from '../../web/status-page.js';
import { atom, rss, type FeedEntry } from './feeds.js';

/**
 * The status page of the emulated environments: statuspage.io's public v2 API at its paths and
 * in its shapes, an HTML page and RSS/Atom history feeds. Read-only, unauthenticated (as the real
 * pages are) and never faulted.
 */
export const statusRoutes = (ctx: Platform): FastifyPluginAsync => async (app) => {
  const ops = ctx.operations;
  const page = () => ops.page();

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('cache-control', 'no-store');
    // statuspage.io's API is readable from any origin; status widgets depend on it.
    if (String(reply.getHeader('content-type') ?? '').startsWith('application/json')) reply.header('access-control-allow-origin', '*');
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'");
      reply.header('x-content-type-options', 'nosniff');
    }
    return payload;
  });

  app.get('/api/v2/status.json', async () => ({ page: page(), status: ops.status() }));
  app.get('/api/v2/summary.json', async () => ({
    page: page(),
    components: ops.components(),
    incidents: ops.incidentList({ unresolved: true }),
    scheduled_maintenances: [...ops.maintenanceList('active'), ...ops.maintenanceList('upcoming')],
    status: ops.status(),
  }));
  app.get('/api/v2/components.json', async () => ({ page: page(), components: ops.components() }));
  app.get('/api/v2/incidents.json', async () => ({ page: page(), incidents: ops.incidentList() }));
  app.get('/api/v2/incidents/unresolved.json', async () => ({ page: page(), incidents: ops.incidentList({ unresolved: true }) }));
  app.get('/api/v2/scheduled-maintenances.json', async () => ({ page: page(), scheduled_maintenances: ops.maintenanceList('all') }));
  app.get('/api/v2/scheduled-maintenances/upcoming.json', async () => ({ page: page(), scheduled_maintenances: ops.maintenanceList('upcoming') }));
  app.get('/api/v2/scheduled-maintenances/active.json', async () => ({ page: page(), scheduled_maintenances: ops.maintenanceList('active') }));

  app.get('/status', async (_request, reply) => reply.type('text/html; charset=utf-8').send(statusPage(ops).value));

  const entries = (): FeedEntry[] => {
    const now = ctx.clock.now().toISOString();
    const all = [
      ...ops.incidentList(),
      // A maintenance is news once it is announced; what is announced for later shows too.
      ...ops.maintenanceList('all').filter((m) => m.created_at <= now),
    ];
    return all
      .map((i) => ({
        id: i.id,
        title: i.name,
        link: i.shortlink,
        published: i.created_at,
        updated: i.updated_at,
        updates: i.incident_updates.map((u) => ({ status: u.status, body: u.body, at: u.created_at })),
      }))
      .sort((a, b) => (a.updated < b.updated ? 1 : -1));
  };
  const feedPage = () => {
    const p = page();
    return { id: p.id, name: p.name, url: p.url, updatedAt: p.updated_at };
  };
  app.get('/history.rss', async (_request, reply) => reply.type('application/rss+xml; charset=utf-8').send(rss(feedPage(), entries())));
  app.get('/history.atom', async (_request, reply) => reply.type('application/atom+xml; charset=utf-8').send(atom(feedPage(), entries())));
};
