import type { SettlementFileView } from '../../platform/sales-unit-settings.js';
import { html, type Html } from '../html.js';
import { portalLayout } from './layout.js';

/** Settlement files per sales unit, as a settlements module provides them; said plainly when none does. */
export function settlementsPage(user: { name: string }, units: Array<{ msn: string; name: string; files: SettlementFileView[] }> | undefined): Html {
  return portalLayout('Settlements', html`<h1>Settlements</h1>
${units === undefined
    ? html`<div class="notice info" role="status" data-testid="settlements-absent"><strong>No settlements in this build.</strong> Settlement reports come from the emulator's settlements module, which this build does not include, so there is nothing to list. (Real MT has no settlements either.) When the module is present, its files appear here per sales unit as they land.</div>`
    : units.length === 0
      ? html`<p>You have no sales units yet.</p>`
      : units.map((u) => html`<section class="card" aria-labelledby="st-${u.msn}"><h2 id="st-${u.msn}">${u.name} <span class="hint">(MSN ${u.msn})</span></h2>
${u.files.length === 0 ? html`<p>No settlements yet.</p>` : html`<table><thead><tr><th scope="col">Date</th><th scope="col">File</th><th scope="col">About</th></tr></thead><tbody>
${u.files.map((f) => html`<tr><td>${f.date}</td><td><a href="${f.href}" download="${f.fileName}">${f.fileName}</a></td><td>${f.description ?? ''}</td></tr>`)}
</tbody></table>`}</section>`)}`, { section: 'settlements', user });
}
