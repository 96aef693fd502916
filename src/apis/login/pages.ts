/**
 * The login page in the browser ("Log in with Vipps"): the user picks or types a phone number, the
 * login goes to that user's simulated app, and the page waits (reloading) until the user has
 * answered there. Server-rendered with the pages' escaped templates.
 */
import { formatPhone } from '../../web/format.js';
import { html, type Html } from '../../web/html.js';
import { layout, notice } from '../../web/layout.js';

export interface LoginPageView {
  action: string;
  merchantName: string;
  scopes: string[];
  phoneNumber: string;
  users: Array<{ phoneNumber: string; name: string }>;
  error?: string;
}

export function loginPage(v: LoginPageView): Html {
  return layout(
    `Log in to ${v.merchantName} with Vipps`,
    html`<h1>Log in to ${v.merchantName}</h1>
<p class="meta">with Vipps · asks for: <span data-testid="scopes">${v.scopes.join(', ')}</span></p>
${notice('error', v.error)}
<form method="post" action="${v.action}" class="card">
  <label for="phoneNumber">Phone number</label>
  <input type="tel" id="phoneNumber" name="phoneNumber" value="${v.phoneNumber}" autocomplete="tel" placeholder="97777776">
  <button class="btn btn-primary" type="submit" name="action" value="login">Next</button>
  <button class="btn btn-secondary" type="submit" name="action" value="app-switch" data-testid="app-switch">Open the Vipps app on this phone</button>
</form>
<h2>Test users</h2>
<ul class="plain" data-testid="users">
${v.users.map((u) => html`<li><span>${u.name}</span><form method="post" action="${v.action}"><input type="hidden" name="phoneNumber" value="${u.phoneNumber}"><button class="btn btn-secondary" type="submit" name="action" value="login" data-testid="user-${u.phoneNumber}">${formatPhone(u.phoneNumber)}</button></form></li>`)}
</ul>
<form method="post" action="${v.action}">
  <button class="btn btn-secondary" type="submit" name="action" value="qr" data-testid="qr-login">Log in with a QR code</button>
  <button class="btn btn-secondary" type="submit" name="action" value="cancel" data-testid="cancel">Cancel</button>
</form>`,
    { tag: 'Vipps Login (simulated)' },
  );
}

/** QR login: the page shows a code; the user scans it with the app ("Scan a QR code" in the simulated app). */
export function qrWaitingPage(v: { action: string; merchantName: string; qrDataUri: string; link: string }): Html {
  return layout(
    `Scan with the Vipps app`,
    html`<h1>Scan with the Vipps app</h1>
<div class="card" data-testid="qr-waiting">
  <div class="merchant">${v.merchantName}</div>
  <p><img src="${v.qrDataUri}" alt="QR code for logging in with Vipps" width="240" height="240" data-testid="qr-image"></p>
  <p class="meta">In the simulated app, paste this link under "Scan a QR code": <code data-testid="qr-link">${v.link}</code></p>
</div>
<form method="post" action="${v.action}">
  <button class="btn btn-secondary" type="submit" name="action" value="login">Use a phone number instead</button>
  <button class="btn btn-secondary" type="submit" name="action" value="cancel">Cancel</button>
</form>`,
    { tag: 'Vipps Login (simulated)', refreshSeconds: 2 },
  );
}

/** What a QR code of the login page leads to when opened in a browser instead of the app. */
export function qrLinkPage(): Html {
  return layout(
    'Open with the Vipps app',
    html`<h1>Open with the Vipps app</h1>
<p>This code logs you in with Vipps. Scan it with the app: in the simulated app, paste the link under "Scan a QR code".</p>
<a class="btn btn-primary" href="/app">Open the simulated app</a>`,
    { tag: 'Vipps Login (simulated)' },
  );
}

export function waitingPage(v: { action: string; merchantName: string; phoneNumber: string }): Html {
  return layout(
    `Confirm in the Vipps app`,
    html`<h1>Open the Vipps app</h1>
<div class="card" data-testid="waiting">
  <div class="merchant">${v.merchantName}</div>
  <p>We sent a login request to <strong>${formatPhone(v.phoneNumber)}</strong>. Confirm it in the app.</p>
  <a class="btn btn-primary" href="/app/${v.phoneNumber}" target="_blank" rel="noopener" data-testid="open-app">Open the simulated app</a>
</div>
<form method="post" action="${v.action}">
  <button class="btn btn-secondary" type="submit" name="action" value="cancel">Cancel</button>
</form>`,
    { tag: 'Vipps Login (simulated)', refreshSeconds: 1 },
  );
}
