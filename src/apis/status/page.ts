import type { StatusPageView } from './views.js';
import { html, trusted, type Html } from '../../web/html.js';
import { layout } from '../../web/layout.js';

const STATUS_CSS = `
.overall{border-radius:12px;padding:14px 16px;margin:0 0 16px;font-weight:700;font-size:18px;color:#fff}
.overall.none{background:#2fa35a}.overall.minor{background:#e0a000}.overall.major{background:#e8622c}.overall.critical{background:#c62828}
.component{display:flex;justify-content:space-between;gap:10px;padding:8px 0;border-bottom:1px solid #f0ebe8}
.component:last-child{border-bottom:0}
.group-name{font-weight:700;margin:0 0 4px}
.st{font-size:13px;font-weight:700;white-space:nowrap}
.st.operational{color:#2fa35a}.st.degraded_performance,.st.under_maintenance{color:#b58100}.st.partial_outage{color:#e8622c}.st.major_outage{color:#c62828}
.incident h3{font-size:16px;margin:0 0 6px}
.impact-none h3,.impact-maintenance h3{color:#1f5fa8}.impact-minor h3{color:#b58100}.impact-major h3{color:#e8622c}.impact-critical h3{color:#c62828}
.update{margin:8px 0 0;font-size:14px}
.update b{text-transform:capitalize}
.feeds a{margin-right:12px}
`;

const label = (s: string) => s.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
const when = (iso: string) => iso.replace('T', ' ').slice(0, 16) + ' UTC';

type IncidentLike = ReturnType<StatusPageView['incidentView']> | ReturnType<StatusPageView['maintenanceView']>;

function incidentCard(i: IncidentLike, kind: 'incident' | 'maintenance'): Html {
  const window = 'scheduled_for' in i ? html`<div class="meta">${when(i.scheduled_for)} – ${when(i.scheduled_until)}</div>` : '';
  return html`<div class="card incident impact-${i.impact}" id="${kind}-${i.id}" data-testid="${kind}" data-id="${i.id}" data-status="${i.status}">
  <h3>${i.name}</h3>
  ${window}
  ${i.incident_updates.map((u) => html`<div class="update"><b>${label(u.status)}</b> — ${u.body}<div class="meta">${when(u.created_at)}</div></div>`)}
  <div class="meta">Affects: ${i.components.map((c) => c.name).join(', ')}</div>
</div>`;
}

/** The HTML status page (`/status`): overall state, components per environment, incidents, maintenance, history. */
export function statusPage(ops: StatusPageView): Html {
  const status = ops.status();
  const components = ops.components();
  const groups = components.filter((c) => c.group);
  const open = ops.incidentList({ unresolved: true });
  const active = ops.maintenanceList('active');
  const upcoming = ops.maintenanceList('upcoming');
  const past = ops.incidentList({ limit: 20 }).filter((i) => i.status === 'resolved' || i.status === 'postmortem');
  const body = html`<style>${trusted(STATUS_CSS)}</style>
<h1>Status</h1>
<div class="overall ${status.indicator}" data-testid="overall" data-indicator="${status.indicator}">${status.description}</div>
${open.length ? html`<h2>Open incidents</h2>${open.map((i) => incidentCard(i, 'incident'))}` : ''}
${active.length ? html`<h2>Maintenance in progress</h2>${active.map((m) => incidentCard(m, 'maintenance'))}` : ''}
<h2>Components</h2>
${groups.map(
  (g) => html`<div class="card" data-testid="group" data-id="${g.id}">
  <div class="group-name">${g.name} <span class="st ${g.status}">${label(g.status)}</span></div>
  ${components.filter((c) => c.group_id === g.id).map((c) => html`<div class="component" data-testid="component" data-id="${c.id}" data-status="${c.status}"><span>${c.name}</span><span class="st ${c.status}">${label(c.status)}</span></div>`)}
</div>`,
)}
${upcoming.length ? html`<h2>Scheduled maintenance</h2>${upcoming.map((m) => incidentCard(m, 'maintenance'))}` : ''}
<h2>Past incidents</h2>
${past.length ? past.map((i) => incidentCard(i, 'incident')) : html`<p class="meta">No incidents reported.</p>`}
<p class="feeds meta">Subscribe: <a href="/history.rss">RSS</a><a href="/history.atom">Atom</a> · API: <a href="/api/v2/summary.json">/api/v2/summary.json</a></p>`;
  return layout('Vipps Devkit status', body, { tag: 'Status (emulated)', refreshSeconds: 30 });
}
