import { html, type Html } from '../../web/html.js';
import { layout, notice } from '../../web/layout.js';

export interface CheckInView {
  merchantName: string;
  locationDescription: string;
  /** Test users to check in as. */
  users: Array<{ phoneNumber: string; name: string }>;
  error?: string;
  done?: { phoneNumber: string; customerToken: string };
}

/**
 * What a merchant callback QR opens in a browser. The real code is for the Vipps app; here the page
 * stands in for it: check in as a test user, and the sales unit gets its `user.checked-in.v1`.
 */
export function checkInPage(v: CheckInView): Html {
  const where = html`<div class="card"><div class="merchant">${v.merchantName}</div><div class="desc">${v.locationDescription}</div></div>`;
  if (v.done) {
    return layout('Checked in', html`<h1>Checked in</h1>
${where}
${notice('ok', html`Checked in as +${v.done.phoneNumber}. The shop was sent a <code>user.checked-in.v1</code> webhook.`)}
<p class="meta">customerToken: <code data-testid="customer-token">${v.done.customerToken}</code></p>`, { tag: 'Vipps MT app (simulated)' });
  }
  return layout('Check in', html`<h1>Check in</h1>
${where}
${notice('error', v.error)}
<p class="meta">This QR code is meant for the Vipps app. In the emulator, check in as a test user here (or with <code>POST /devkit/v1/qr/scan</code>).</p>
<form method="post">
  <label for="phoneNumber">Test user</label>
  <select id="phoneNumber" name="phoneNumber">
${v.users.map((u) => html`    <option value="${u.phoneNumber}">${u.name} (+${u.phoneNumber})</option>\n`)}  </select>
  <button class="btn btn-primary" type="submit">Check in</button>
</form>`, { tag: 'Vipps MT app (simulated)' });
}
