import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { statusPage } from './page.js';
import { atom, rss, type FeedEntry } from './feeds.js';
import type { OperationsService } from './service.js';
import type { StatusPageView } from './views.js';
import { ComponentsResponse, IncidentsResponse, MaintenancesResponse, StatusResponse, SummaryResponse } from './schemas.js';

const json = (operationId: string, summary: string, body: object) => ({ schema: { operationId, summary, response: { 200: body } } });
/** A text response (HTML, feeds): a string is sent as it is, so the schema only documents the media type. */
const text = (operationId: string, summary: string, mediaType: string) => ({
  schema: { operationId, summary, response: { 200: { description: summary, content: { [mediaType]: { schema: Type.String() } } } } },
});

/**
 * The status page of the emulated environments: statuspage.io's public v2 API at its paths and
 * in its shapes, an HTML page and RSS/Atom history feeds. Read-only, unauthenticated (as the real
 * pages are) and never faulted.
 */
export const statusRoutes = (operations: OperationsService): FastifyPluginAsync => async (app) => {
  // One view per request: every part of an answer describes the same instant.
  const view = () => operations.view();

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

  const get = <T>(path: string, options: ReturnType<typeof json>, answer: (v: StatusPageView) => T) => app.get(path, options, async () => answer(view()));
  get('/api/v2/status.json', json('getStatus', 'Overall status indicator', StatusResponse), (v) => ({ page: v.page(), status: v.status() }));
  get('/api/v2/summary.json', json('getSummary', 'Status, components, unresolved incidents and upcoming or active maintenance', SummaryResponse), (v) => ({
    page: v.page(),
    components: v.components(),
    incidents: v.incidentList({ unresolved: true }),
    scheduled_maintenances: [...v.maintenanceList('active'), ...v.maintenanceList('upcoming')],
    status: v.status(),
  }));
  get('/api/v2/components.json', json('getComponents', 'Components and their statuses', ComponentsResponse), (v) => ({ page: v.page(), components: v.components() }));
  get('/api/v2/incidents.json', json('getIncidents', 'The 50 most recent incidents', IncidentsResponse), (v) => ({ page: v.page(), incidents: v.incidentList() }));
  get('/api/v2/incidents/unresolved.json', json('getUnresolvedIncidents', 'Unresolved incidents', IncidentsResponse), (v) => ({ page: v.page(), incidents: v.incidentList({ unresolved: true }) }));
  get('/api/v2/scheduled-maintenances.json', json('getScheduledMaintenances', 'The 50 most recent scheduled maintenances', MaintenancesResponse), (v) => ({ page: v.page(), scheduled_maintenances: v.maintenanceList('all') }));
  get('/api/v2/scheduled-maintenances/upcoming.json', json('getUpcomingMaintenances', 'Maintenances not yet started', MaintenancesResponse), (v) => ({ page: v.page(), scheduled_maintenances: v.maintenanceList('upcoming') }));
  get('/api/v2/scheduled-maintenances/active.json', json('getActiveMaintenances', 'Maintenances in progress or verifying', MaintenancesResponse), (v) => ({ page: v.page(), scheduled_maintenances: v.maintenanceList('active') }));

  app.get('/status', text('getStatusPage', 'The status page (HTML)', 'text/html'), async (_request, reply) => reply.type('text/html; charset=utf-8').send(statusPage(view()).value));

  const entries = (v: StatusPageView): FeedEntry[] => {
    const now = v.now.toISOString();
    const all = [
      ...v.incidentList(),
      // A maintenance is news once it is announced; what is announced for later shows too.
      ...v.maintenanceList('all').filter((m) => m.created_at <= now),
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
  const feed = (format: typeof rss) => {
    const v = view();
    const p = v.page();
    return format({ id: p.id, name: p.name, url: p.url, updatedAt: p.updated_at }, entries(v));
  };
  app.get('/history.rss', text('getHistoryRss', 'Incident and maintenance history (RSS 2.0)', 'application/rss+xml'), async (_request, reply) => reply.type('application/rss+xml; charset=utf-8').send(feed(rss)));
  app.get('/history.atom', text('getHistoryAtom', 'Incident and maintenance history (Atom 1.0)', 'application/atom+xml'), async (_request, reply) => reply.type('application/atom+xml; charset=utf-8').send(feed(atom)));
};
