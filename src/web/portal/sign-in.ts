import type { TestUser } from '../../platform/test-users.js';
import { formatPhone } from '../format.js';
import { html, type Html } from '../html.js';
import { portalLayout, portalNotice, textField } from './layout.js';

/** Step 1: who signs in. Real portal access is BankID only; here any test user can. */
export function signInPage(users: TestUser[], o: { error?: string; nin?: string } = {}): Html {
  return portalLayout('Sign in', html`<h1>Sign in to the merchant portal</h1>
<p>The real portal is opened with BankID by someone who may sign for the company. Here you sign in as one of the emulator's test people, and a simulated BankID step follows.</p>
${portalNotice('error', o.error)}
<h2>Choose a test person</h2>
<form method="post" action="/portal/login">
<div class="grid">
${users.map((u) => html`<div class="card"><strong>${u.givenName} ${u.familyName}</strong><p class="hint">${formatPhone(u.phoneNumber)} · born ${u.birthDate}</p><button type="submit" name="phoneNumber" value="${u.phoneNumber}" data-testid="sign-in-${u.phoneNumber}">Sign in as ${u.givenName}</button></div>`)}
</div>
</form>
<h2>Or type a fødselsnummer</h2>
<form method="post" action="/portal/login" class="card">
${textField({ name: 'nin', label: 'Fødselsnummer or D-number of a test user', value: o.nin, inputmode: 'numeric', autocomplete: 'off', hint: '11 digits. Test users are listed by GET /devkit/v1/users.', required: true })}
<button type="submit">Continue to BankID</button>
</form>`, { section: 'signin' });
}

/** Step 2: the simulated BankID confirmation. */
export function bankIdPage(user: TestUser, reference: string): Html {
  const masked = `${user.nin.slice(0, 6)} *****`;
  return portalLayout('BankID', html`<h1>BankID (simulated)</h1>
<div class="card">
<p>Signing in to <strong>Vipps portal</strong> as</p>
<dl class="facts"><dt>Name</dt><dd>${user.givenName} ${user.familyName}</dd><dt>Fødselsnummer</dt><dd>${masked}</dd><dt>Reference words</dt><dd data-testid="bankid-reference">${reference}</dd></dl>
<p class="hint">Real BankID asks for a one-time code and a personal password. The emulator skips both: confirming is enough.</p>
<form method="post" action="/portal/login/bankid">
<button type="submit" name="decision" value="confirm" data-testid="bankid-confirm">Confirm with BankID</button>
<button class="secondary" type="submit" name="decision" value="cancel">Cancel</button>
</form>
</div>`, { section: 'signin' });
}
