import type { ActivityItem, ActivityKind } from '../../platform/activity.js';
import { formatAmount } from '../format.js';
import { html, type Html } from '../html.js';

/** A listing as the pages name and link it. */
export interface KindMeta {
  kind: ActivityKind;
  /** Path segment: /dashboard/<path>, /devkit/v1/<path>. */
  path: string;
  title: string;
  /** What its id is called. */
  idLabel: string;
}

export const KINDS: readonly KindMeta[] = [
  { kind: 'payment', path: 'payments', title: 'Payments (ePayment)', idLabel: 'Reference' },
  { kind: 'order', path: 'orders', title: 'eCom orders', idLabel: 'Order id' },
  { kind: 'agreement', path: 'agreements', title: 'Recurring agreements', idLabel: 'Agreement id' },
  { kind: 'session', path: 'sessions', title: 'Checkout sessions', idLabel: 'Reference' },
];

export const kindMeta = (kind: ActivityKind): KindMeta => KINDS.find((k) => k.kind === kind)!;

/** One webhook or callback owed to a merchant, with its attempts. */
export interface DeliveryRow {
  id: string;
  eventType: string;
  webhookId: string;
  reference: string;
  status: 'pending' | 'delivered' | 'dropped';
  attempts: number;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  lastError: string | null;
  log: AttemptRow[];
}

export interface AttemptRow {
  attempt: number;
  at: string;
  url: string;
  status: number | null;
  latencyMs: number;
  error: string | null;
  from: string;
  requestBody: string;
  responseBody: string | null;
}

export const itemHref = (item: Pick<ActivityItem, 'kind' | 'id' | 'msn'>): string =>
  `/dashboard/${kindMeta(item.kind).path}/${encodeURIComponent(item.id)}?msn=${encodeURIComponent(item.msn)}`;

const GOOD = new Set(['AUTHORIZED', 'RESERVE', 'SALE', 'ACTIVE', 'PaymentSuccessful', 'delivered', 'CHARGED']);
const WAITING = new Set(['CREATED', 'INITIATE', 'PENDING', 'SessionCreated', 'PaymentInitiated', 'pending', 'scheduled', 'in_progress']);

export function stateBadge(state: string): Html {
  const tone = GOOD.has(state) ? 'ok' : WAITING.has(state) ? 'wait' : 'bad';
  return html`<span class="badge ${tone}" data-testid="state">${state}</span>`;
}

export const money = (m: ActivityItem['amount']): string => (m ? formatAmount(m) : '');

/** "2026-11-28 13:40:12" from an ISO timestamp (the emulator clock's time, in UTC). */
export const when = (iso: string | null | undefined): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '');

/** A table of items of any kinds. */
export function itemTable(items: readonly ActivityItem[], options: { showKind?: boolean; caption: string; id: string }): Html {
  if (items.length === 0) return html`<p class="muted" id="${options.id}" data-live data-testid="empty">Nothing yet.</p>`;
  return html`<div class="scroll" id="${options.id}" data-live><table data-testid="items">
<caption class="muted small" style="text-align:left;padding:6px 8px">${options.caption}</caption>
<thead><tr>${options.showKind ? html`<th scope="col">Kind</th>` : ''}<th scope="col">Id</th><th scope="col">State</th><th scope="col">Amount</th><th scope="col" class="hide-narrow">Description</th><th scope="col" class="hide-narrow">MSN</th><th scope="col" class="hide-narrow">Phone</th><th scope="col">Created</th></tr></thead>
<tbody>${items.map(
    (i) => html`<tr data-testid="item-row" data-id="${i.id}">${options.showKind ? html`<td>${kindMeta(i.kind).title}</td>` : ''}<td><a href="${itemHref(i)}">${i.id}</a>${i.owner ? html` <span class="muted small">(for ${i.owner})</span>` : ''}</td><td>${stateBadge(i.state)}</td><td>${money(i.amount)}</td><td class="hide-narrow">${i.description ?? ''}</td><td class="hide-narrow">${i.msn}</td><td class="hide-narrow">${i.phoneNumber ?? ''}</td><td class="small">${when(i.createdAt)}</td></tr>`,
  )}</tbody>
</table></div>`;
}

/** Deliveries with their attempts, each with a replay button. `back` is where the replay returns to. */
export function deliveryTable(rows: readonly DeliveryRow[], back: string, id: string): Html {
  if (rows.length === 0) return html`<p class="muted" id="${id}" data-live data-testid="no-deliveries">No webhooks or callbacks were owed.</p>`;
  return html`<div class="scroll" id="${id}" data-live><table data-testid="deliveries">
<thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col" class="hide-narrow">Channel</th><th scope="col" class="hide-narrow">Reference</th><th scope="col">Replay</th></tr></thead>
<tbody>${rows.map(
    (d) => html`<tr data-testid="delivery-row" data-delivery-id="${d.id}">
<td><strong>${d.eventType}</strong>
${d.log.length > 0
  ? html`<details><summary class="small">${d.log.length} attempt${d.log.length === 1 ? '' : 's'}, last to <code>${d.log.at(-1)!.url}</code></summary>
<ol class="timeline">${d.log.map(
      (a) => html`<li data-testid="attempt"><span class="small">#${a.attempt} ${when(a.at)} from ${a.from}</span> → ${a.status === null ? html`<span class="badge bad">${a.error ?? 'no answer'}</span>` : html`<span class="badge ${a.status < 300 ? 'ok' : 'bad'}">HTTP ${a.status}</span>`} <span class="small muted">${Math.round(a.latencyMs)} ms</span>
<pre aria-label="Request body">${a.requestBody}</pre>${a.responseBody ? html`<pre aria-label="Response body">${a.responseBody}</pre>` : ''}</li>`,
    )}</ol></details>`
  : html`<div class="small muted">not tried yet${d.nextAttemptAt ? html` (due ${when(d.nextAttemptAt)})` : ''}</div>`}
${d.lastError ? html`<div class="small">${d.lastError}</div>` : ''}</td>
<td>${stateBadge(d.status)}</td><td>${d.attempts}</td><td class="hide-narrow small"><code>${d.webhookId}</code></td><td class="hide-narrow small">${d.reference}</td>
<td><form class="inline" method="post" action="/dashboard/deliveries/${encodeURIComponent(d.id)}/replay"><input type="hidden" name="back" value="${back}"><button type="submit" data-testid="replay" aria-label="Replay ${d.eventType} delivery ${d.id}">Replay</button></form></td>
</tr>`,
  )}</tbody>
</table></div>`;
}

export function notices(info: string | undefined, error: string | undefined): Html {
  return html`${info ? html`<div class="notice" role="status" data-testid="notice">${info}</div>` : ''}${error ? html`<div class="notice error" role="alert" data-testid="error">${error}</div>` : ''}`;
}
