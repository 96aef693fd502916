import type { Merchant } from '../../platform/merchants.js';
import type { LoginSettings, WebhookView } from '../../platform/sales-unit-settings.js';
import { html, type Html } from '../html.js';
import { portalLayout, portalNotice } from './layout.js';

export interface SalesUnitPageState {
  merchant: Merchant;
  company?: { orgNumber: string; name: string };
  record?: { partner?: string; skipLandingPage: boolean; recurring: boolean; directCapture: boolean; createdAt: string };
  /** The capture type eCom keeps for the unit; undefined when no module keeps one. */
  directCapture?: boolean;
  showKeys: boolean;
  notice?: string;
  /** Undefined when no module provides Login settings. */
  login?: { settings: LoginSettings; methods: readonly string[]; problems?: string[]; typed?: string };
  webhooks?: { list: WebhookView[]; eventTypes: readonly string[]; problems?: string[]; newSecret?: { id: string; secret: string }; typedUrl?: string };
  publicUrl: string;
}

const KEY_ROWS = [
  { key: 'clientSecret', label: 'client_secret', field: 'clientSecret' },
  { key: 'primarySubscriptionKey', label: 'Ocp-Apim-Subscription-Key (primary)', field: 'subscriptionKey' },
  { key: 'secondarySubscriptionKey', label: 'Ocp-Apim-Subscription-Key (secondary)', field: 'secondarySubscriptionKey' },
] as const;

export function salesUnitPage(user: { name: string }, s: SalesUnitPageState): Html {
  const m = s.merchant;
  const base = `/portal/sales-units/${m.msn}`;
  return portalLayout(m.name, html`<p><a href="${s.company ? `/portal/companies/${s.company.orgNumber}` : '/portal'}">← ${s.company?.name ?? 'Companies and sales units'}</a></p>
<h1>${m.name}</h1>
${portalNotice('ok', s.notice)}
<dl class="facts card"><dt>MSN (Merchant-Serial-Number)</dt><dd><code data-testid="msn">${m.msn}</code></dd><dt>Environment</dt><dd>Test (MT)</dd><dt>Country</dt><dd>${m.country}</dd>
<dt>Options</dt><dd data-testid="options">${[m.allowSkipLandingPage ? 'skip landing page allowed' : 'landing page shown', s.record?.recurring ? 'Recurring API' : '', s.directCapture === undefined ? '' : s.directCapture ? 'direct capture' : 'reserve capture', s.record?.partner ? `partner ${s.record.partner}` : ''].filter(Boolean).join(', ')}</dd>
</dl>

<section aria-labelledby="keys-h"><h2 id="keys-h">API keys</h2>
<p class="hint">The same keys work for every Vipps API. Keep them secret; never put production keys in Postman. Regenerating a key stops the old one at once; the other subscription key keeps working, so integrations can move over without downtime.</p>
${s.showKeys ? html`<table class="keys card" data-testid="keys"><tbody>
<tr><th scope="row">client_id</th><td><code data-testid="key-clientId">${m.clientId}</code></td><td></td></tr>
${KEY_ROWS.map((k) => html`<tr><th scope="row">${k.label}</th><td><code data-testid="key-${k.key}">${m[k.field]}</code></td><td><form method="post" action="${base}/keys/regenerate"><input type="hidden" name="key" value="${k.key}"><button class="secondary" type="submit" data-testid="regenerate-${k.key}" aria-label="Regenerate ${k.label}">Regenerate</button></form></td></tr>`)}
</tbody></table>
<h3>Try them</h3>
<pre tabindex="0">curl -s -X POST ${s.publicUrl}/accesstoken/get \\
  -H 'client_id: ${m.clientId}' \\
  -H 'client_secret: ${m.clientSecret}' \\
  -H 'Ocp-Apim-Subscription-Key: ${m.subscriptionKey}' \\
  -H 'Merchant-Serial-Number: ${m.msn}'</pre>` : html`<p><a class="button" href="${base}?keys=show" data-testid="show-keys">Show keys</a></p>`}
</section>

<section aria-labelledby="webhooks-h"><h2 id="webhooks-h">Webhooks</h2>
${s.webhooks ? webhookSection(base, s.webhooks) : html`<p class="notice info">This build has no Webhooks API module.</p>`}
</section>

<section aria-labelledby="login-h"><h2 id="login-h">Vipps Login</h2>
${s.login ? loginSection(base, s.login) : html`<p class="notice info">This build has no Login API module.</p>`}
</section>`, { section: 'home', user });
}

function webhookSection(base: string, w: NonNullable<SalesUnitPageState['webhooks']>): Html {
  return html`${w.newSecret ? html`<div class="notice ok" role="status" data-testid="webhook-secret">Webhook registered. Its signing secret is shown only now: <code>${w.newSecret.secret}</code></div>` : ''}
${w.list.length === 0 ? html`<p>No webhooks registered.</p>` : html`<table><thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col"><span class="skip">Actions</span></th></tr></thead><tbody>
${w.list.map((h) => html`<tr><td><code>${h.url}</code></td><td>${h.events.join(', ')}</td><td><form method="post" action="${base}/webhooks/${h.id}/delete"><button class="secondary" type="submit" aria-label="Delete the webhook to ${h.url}">Delete</button></form></td></tr>`)}
</tbody></table>`}
<form method="post" action="${base}/webhooks" class="card" novalidate>
<h3>Register a webhook</h3>
${w.problems?.length ? html`<div class="notice error" role="alert">${w.problems.map((p) => html`<p>${p}</p>`)}</div>` : ''}
<label for="webhook-url">URL</label>
<input id="webhook-url" name="url" type="url" value="${w.typedUrl ?? ''}" aria-describedby="webhook-url-hint">
<p class="hint" id="webhook-url-hint">HTTPS, or http://localhost and http://127.0.0.1 for local receivers.</p>
<fieldset><legend>Events</legend>
${w.eventTypes.map((e) => html`<label class="check"><input type="checkbox" name="events" value="${e}"> <code>${e}</code></label>`)}
</fieldset>
<button type="submit">Register</button>
</form>`;
}

function loginSection(base: string, l: NonNullable<SalesUnitPageState['login']>): Html {
  return html`<form method="post" action="${base}/login" class="card" novalidate>
${l.problems?.length ? html`<div class="notice error" role="alert" data-testid="login-problems">${l.problems.map((p) => html`<p>${p}</p>`)}</div>` : ''}
<label for="redirectUris">Redirect URIs</label>
<textarea id="redirectUris" name="redirectUris" aria-describedby="redirectUris-hint">${l.typed ?? l.settings.redirectUris.join('\n')}</textarea>
<p class="hint" id="redirectUris-hint">One a line. They must match exactly, trailing / included; http://localhost is allowed for testing.</p>
<label for="tokenEndpointAuthMethod">Token endpoint authentication</label>
<select id="tokenEndpointAuthMethod" name="tokenEndpointAuthMethod">
${l.methods.map((m) => html`<option value="${m}"${m === l.settings.tokenEndpointAuthMethod ? html` selected` : ''}>${m}</option>`)}
</select>
<button type="submit" data-testid="save-login">Save Login settings</button>
</form>`;
}
