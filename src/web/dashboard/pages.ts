import type { ActivityItem, TimelineEntry } from '../../platform/activity.js';
import { html, type Html } from '../html.js';
import { dashboardLayout } from './layout.js';
import { deliveryTable, itemHref, itemTable, KINDS, kindMeta, money, notices, stateBadge, when, type DeliveryRow, type KindMeta } from './parts.js';

export interface Notices {
  info?: string;
  error?: string;
}

export interface OverviewView extends Notices {
  now: string;
  offsetMs: number;
  counts: Array<{ meta: KindMeta; latest: ActivityItem[]; more: boolean }>;
  recent: ActivityItem[];
  deliveries: DeliveryRow[];
  activeFaults: number;
  deliveringFrom: { environment: string; hostname: string; address: string };
}

const offsetText = (ms: number) => (ms === 0 ? 'real time' : `${formatSpan(ms)} ahead of real time`);

function formatSpan(ms: number): string {
  const s = Math.round(ms / 1000);
  const parts: string[] = [];
  let rest = s;
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n}${unit}`);
  }
  return parts.join(' ') || '0s';
}

function clockCard(now: string, offsetMs: number): Html {
  return html`<div class="card" id="clock-card" data-live>
<h2 style="margin-top:0">Clock</h2>
<div class="stat" data-testid="clock-now">${when(now)} <span class="small muted">UTC</span></div>
<div class="muted small" data-testid="clock-offset">${offsetText(offsetMs)}</div>
<form class="stack" method="post" action="/dashboard/clock/advance">
<input type="hidden" name="back" value="/dashboard/operations">
<div><label for="advance-duration">Advance by</label><input id="advance-duration" name="duration" value="10m" size="8" required></div>
<button class="primary" type="submit" data-testid="advance">Advance clock</button>
</form>
</div>`;
}

export function overviewPage(v: OverviewView): Html {
  return dashboardLayout(
    'Dashboard',
    '/',
    html`<h1>What the emulator saw</h1>
${notices(v.info, v.error)}
<div class="grid">
${clockCard(v.now, v.offsetMs)}
<div class="card" id="ops-card" data-live>
<h2 style="margin-top:0">Operations</h2>
<p><span class="stat" data-testid="active-faults">${v.activeFaults}</span> active fault${v.activeFaults === 1 ? '' : 's'}</p>
<p class="small">Deliveries come from <strong>${v.deliveringFrom.hostname}</strong> (${v.deliveringFrom.environment}, ${v.deliveringFrom.address}).</p>
<a href="/dashboard/operations">Faults, maintenance, request servers</a>
</div>
</div>
<div class="grid" id="counts" data-live>
${v.counts.map(
  (c) => html`<div class="card"><h2 style="margin-top:0"><a href="/dashboard/${c.meta.path}">${c.meta.title}</a></h2><div class="stat" data-testid="count-${c.meta.path}">${c.latest.length}${c.more ? '+' : ''}</div><div class="small muted">latest: ${c.latest[0] ? html`<a href="${itemHref(c.latest[0])}">${c.latest[0].id}</a> ${stateBadge(c.latest[0].state)}` : 'none'}</div></div>`,
)}
</div>
<h2>Latest activity</h2>
${itemTable(v.recent, { showKind: true, caption: 'Newest first, every kind', id: 'recent' })}
<h2>Latest deliveries</h2>
${deliveryTable(v.deliveries, '/', 'recent-deliveries')}
<p><a href="/dashboard/deliveries">The whole delivery log</a></p>`,
  );
}

export interface ListView extends Notices {
  meta: KindMeta;
  items: ActivityItem[];
  states: readonly string[];
  merchants: readonly string[];
  query: { q?: string; state?: string; msn?: string };
  nextHref: string | null;
}

export function listPage(v: ListView): Html {
  const q = v.query;
  return dashboardLayout(
    v.meta.title,
    `/dashboard/${v.meta.path}`,
    html`<h1>${v.meta.title}</h1>
${notices(v.info, v.error)}
<form class="filters" method="get" action="/dashboard/${v.meta.path}" role="search">
<div><label for="f-q">Search</label><input id="f-q" type="search" name="q" value="${q.q ?? ''}" placeholder="${v.meta.idLabel.toLowerCase()}, text, phone" data-testid="search"></div>
<div><label for="f-state">State</label><select id="f-state" name="state" data-testid="state-filter"><option value="">any</option>${v.states.map((s) => html`<option${s === q.state ? html` selected` : ''}>${s}</option>`)}</select></div>
<div><label for="f-msn">Merchant (MSN)</label><select id="f-msn" name="msn"><option value="">any</option>${v.merchants.map((m) => html`<option${m === q.msn ? html` selected` : ''}>${m}</option>`)}</select></div>
<button class="primary" type="submit">Filter</button> <a href="/dashboard/${v.meta.path}">Clear</a>
</form>
${itemTable(v.items, { caption: `Newest first${q.q || q.state || q.msn ? ', filtered' : ''}. Same data: GET /devkit/v1/${v.meta.path}`, id: 'list' })}
${v.nextHref ? html`<p><a href="${v.nextHref}" data-testid="next-page">Older</a></p>` : ''}`,
  );
}

export interface DetailView extends Notices {
  item: ActivityItem;
  timeline: TimelineEntry[];
  document: unknown;
  deliveries: DeliveryRow[];
  back: string;
}

export function detailPage(v: DetailView): Html {
  const i = v.item;
  const meta = kindMeta(i.kind);
  return dashboardLayout(
    `${meta.title}: ${i.id}`,
    `/dashboard/${meta.path}`,
    html`<p class="small"><a href="/dashboard/${meta.path}">← ${meta.title}</a></p>
<h1>${meta.idLabel} <code data-testid="item-id">${i.id}</code></h1>
${notices(v.info, v.error)}
<div class="grid">
<div class="card" id="facts" data-live>
<dl class="facts">
<dt>State</dt><dd>${stateBadge(i.state)}</dd>
<dt>Amount</dt><dd>${money(i.amount)}</dd>
<dt>Description</dt><dd>${i.description ?? ''}</dd>
<dt>Merchant (MSN)</dt><dd>${i.msn}</dd>
<dt>Phone</dt><dd>${i.phoneNumber ?? ''}</dd>
<dt>Created</dt><dd>${when(i.createdAt)}</dd>
${i.owner ? html`<dt>Made for</dt><dd>${i.owner}</dd>` : ''}
${i.related.length > 0 ? html`<dt>Belongs with</dt><dd>${i.related.map((r) => html`<a href="${itemHref({ kind: r.kind, id: r.id, msn: i.msn })}">${kindMeta(r.kind).title}: ${r.id}</a> `)}</dd>` : ''}
</dl>
</div>
<div class="card" id="timeline" data-live>
<h2 style="margin-top:0">Timeline</h2>
${v.timeline.length === 0 ? html`<p class="muted">No events.</p>` : html`<ol class="timeline" data-testid="timeline">${v.timeline.map((e) => html`<li data-testid="timeline-entry"><strong>${e.name}</strong> ${e.amount ? money(e.amount) : ''} ${e.success ? '' : html`<span class="badge bad">failed</span>`}<div class="small muted">${when(e.at)}${e.detail ? html` · ${e.detail}` : ''}</div></li>`)}</ol>`}
</div>
</div>
<h2>Webhooks and callbacks</h2>
${deliveryTable(v.deliveries, v.back, 'item-deliveries')}
<details><summary>As the API shows it</summary><pre id="document" data-live>${JSON.stringify(v.document, null, 2)}</pre></details>`,
  );
}

export interface DeliveriesView extends Notices {
  rows: DeliveryRow[];
  query: { reference?: string };
}

export function deliveriesPage(v: DeliveriesView): Html {
  return dashboardLayout(
    'Deliveries',
    '/dashboard/deliveries',
    html`<h1>Delivery log</h1>
<p class="muted small">Every webhook and callback owed to merchants, newest last, with each attempt (request, response, the request server it came from). Replay sends one again now, signed as before.</p>
${notices(v.info, v.error)}
<form class="filters" method="get" action="/dashboard/deliveries" role="search">
<div><label for="d-ref">Reference</label><input id="d-ref" type="search" name="reference" value="${v.query.reference ?? ''}"></div>
<button class="primary" type="submit">Filter</button> <a href="/dashboard/deliveries">Clear</a>
</form>
${deliveryTable(v.rows, '/dashboard/deliveries', 'delivery-log')}`,
  );
}

export interface FaultRow {
  id: string;
  description: string;
  createdAt: string;
}
export interface MaintenanceRow {
  id: string;
  name: string;
  status: string;
  scheduledFor: string;
  scheduledUntil: string;
  apis: string[];
}
export interface EnvironmentRow {
  environment: string;
  down: boolean;
  generation: number;
  servers: Array<{ hostname: string; address: string; active: boolean }>;
}

export interface OperationsView extends Notices {
  now: string;
  offsetMs: number;
  /** After an advance: what became due. */
  advanced?: { by: string; changed: Array<{ item: ActivityItem; before: string }>; deliveriesDue: number };
  faults: FaultRow[];
  maintenances: MaintenanceRow[];
  apis: Array<{ name: string; title: string }>;
  home: string;
  deliveringFrom: { environment: string; hostname: string; address: string };
  environments: EnvironmentRow[];
}

export function operationsPage(v: OperationsView): Html {
  const a = v.advanced;
  return dashboardLayout(
    'Clock & operations',
    '/dashboard/operations',
    html`<h1>Clock and operations</h1>
${notices(v.info, v.error)}
${a
  ? html`<div class="card" data-testid="advance-report"><h2 style="margin-top:0">Advanced by ${a.by}: what became due</h2>
${a.changed.length === 0 ? html`<p class="muted" data-testid="nothing-due">No payment, order, agreement or session changed state.</p>` : html`<ul>${a.changed.map((c) => html`<li data-testid="became-due"><a href="${itemHref(c.item)}">${kindMeta(c.item.kind).title}: ${c.item.id}</a> ${c.before} → ${stateBadge(c.item.state)}</li>`)}</ul>`}
<p class="small">${a.deliveriesDue} pending deliver${a.deliveriesDue === 1 ? 'y' : 'ies'} became due (retries are sent now).</p></div>`
  : ''}
<div class="grid">
${clockCard(v.now, v.offsetMs)}
<div class="card" id="servers" data-live>
<h2 style="margin-top:0">Request servers</h2>
<p class="small">Home: <strong>${v.home}</strong>. Deliveries come from <strong data-testid="delivering-from">${v.deliveringFrom.hostname}</strong> (${v.deliveringFrom.environment}, ${v.deliveringFrom.address}).</p>
${v.environments.map(
  (e) => html`<h3 style="font-size:15px;margin:10px 0 4px">${e.environment.toUpperCase()} ${e.down ? html`<span class="badge bad">down</span>` : html`<span class="badge ok">up</span>`} <span class="small muted">generation ${e.generation}</span></h3>
<ul class="small">${e.servers.map((s) => html`<li>${s.hostname} <code>${s.address}</code> ${s.active ? html`<span class="badge ok" data-testid="active-server">active</span>` : ''}</li>`)}</ul>
<form class="inline" method="post" action="/dashboard/request-servers/${e.environment}/rotate"><button type="submit">Rotate ${e.environment}</button></form>
<form class="inline" method="post" action="/dashboard/request-servers/${e.environment}/${e.down ? 'up' : 'down'}"><button type="submit">${e.down ? 'Bring up' : 'Take down'} ${e.environment}</button></form>`,
)}
</div>
</div>
<div class="card" id="faults" data-live>
<h2 style="margin-top:0">Faults</h2>
${v.faults.length === 0 ? html`<p class="muted" data-testid="no-faults">No active faults.</p>` : html`<ul>${v.faults.map((f) => html`<li data-testid="fault">${f.description} <span class="small muted">since ${when(f.createdAt)}</span> <form class="inline" method="post" action="/dashboard/faults/${f.id}/clear"><button type="submit">Clear</button></form></li>`)}</ul>`}
</div>
<div class="card">
<h2 style="margin-top:0">Inject a fault</h2>
<form class="stack" method="post" action="/dashboard/faults">
<div><label for="fault-type">Type</label><select id="fault-type" name="type"><option value="errors">errors</option><option value="latency">latency</option><option value="outage">outage</option><option value="callbacks">callbacks</option></select></div>
<div><label for="fault-api">API</label><select id="fault-api" name="api"><option value="">all</option>${v.apis.map((x) => html`<option value="${x.name}">${x.title}</option>`)}</select></div>
<div><label for="fault-status">Status (errors)</label><input id="fault-status" name="status" value="500" size="4" inputmode="numeric"></div>
<div><label for="fault-rate">Rate (0–1)</label><input id="fault-rate" name="rate" value="1" size="4"></div>
<div><label for="fault-latency">Latency ms</label><input id="fault-latency" name="latencyMs" value="2000" size="6" inputmode="numeric"></div>
<div><label for="fault-mode">Callbacks mode</label><select id="fault-mode" name="mode"><option value="">—</option><option>503</option><option>reset</option><option>slow</option><option>fail</option></select></div>
<button class="primary" type="submit" data-testid="add-fault">Inject</button>
</form>
</div>
<div class="card" id="maintenances" data-live>
<h2 style="margin-top:0">Maintenance</h2>
${v.maintenances.length === 0 ? html`<p class="muted">No maintenance windows.</p>` : html`<ul>${v.maintenances.map((m) => html`<li data-testid="maintenance">${m.name} ${stateBadge(m.status)} <span class="small muted">${when(m.scheduledFor)} – ${when(m.scheduledUntil)} · ${m.apis.join(', ')}</span> ${m.status !== 'completed' ? html`<form class="inline" method="post" action="/dashboard/maintenances/${m.id}/end"><button type="submit">End</button></form>` : ''}</li>`)}</ul>`}
<form class="stack" method="post" action="/dashboard/maintenances">
<div><label for="mw-starts">Starts in</label><input id="mw-starts" name="startsIn" value="0m" size="6"></div>
<div><label for="mw-duration">Lasts</label><input id="mw-duration" name="duration" value="30m" size="6" required></div>
<div><label for="mw-api">API under maintenance</label><select id="mw-api" name="api"><option value="">all</option>${v.apis.map((x) => html`<option value="${x.name}">${x.title}</option>`)}</select></div>
<button type="submit">Schedule maintenance</button>
</form>
</div>`,
  );
}

/** A 404 for browsers at a path no API owns. */
export function notFoundPage(path: string): Html {
  return dashboardLayout(
    'Not found',
    '',
    html`<h1>Nothing here</h1>
<div class="notice error" role="alert" data-testid="not-found">No page or API answers <code>${path}</code> on this emulator.</div>
<p>Try the <a href="/">dashboard</a>, the <a href="/app">simulated Vipps app</a>, the <a href="/status">status page</a> or the <a href="/devkit/v1/docs">API documentation</a>.</p>
<ul>${KINDS.map((k) => html`<li><a href="/dashboard/${k.path}">${k.title}</a></li>`)}</ul>`,
  );
}

/** Signing in with the admin token (only asked for when the emulator has one). */
export function signInPage(next: string, open: boolean, error?: string): Html {
  return dashboardLayout(
    'Sign in',
    '',
    html`<h1>Sign in to the dashboard</h1>
${notices(open ? 'This emulator has no admin token: the dashboard is open.' : undefined, error)}
${open
  ? html`<p><a href="${next}">Continue</a></p>`
  : html`<p>This emulator listens beyond loopback, so the dashboard needs its admin token (printed by <code>serve</code>, or given with <code>--admin-token</code>).</p>
<form class="stack" method="post" action="/dashboard/sign-in">
<input type="hidden" name="next" value="${next}">
<div><label for="admin-token">Admin token</label><input id="admin-token" name="token" type="password" autocomplete="current-password" required></div>
<button class="primary" type="submit" data-testid="sign-in">Sign in</button>
</form>`}`,
  );
}
