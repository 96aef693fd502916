import type { TestUser } from '../platform/test-users.js';
import { formatPhone } from './format.js';
import { html, type Html } from './html.js';
import { layout, notice } from './layout.js';

/** The simulated app's "log in": choose a test user by phone number. */
export function appHomePage(users: TestUser[], error?: string, typed = ''): Html {
  return layout(
    'Vipps app (simulated)',
    html`<h1>Log in to the Vipps app</h1>
${notice('error', error)}
<form method="get" action="/app">
  <label for="phone">Phone number</label>
  <input type="tel" id="phone" name="phone" value="${typed}" inputmode="tel" autocomplete="tel" placeholder="8 digits, e.g. 97777776">
  <button class="btn btn-primary" type="submit">Log in</button>
</form>
<h2>Test users</h2>
<ul class="plain" data-testid="users">
${users.map((u) => html`<li><a href="/app/${u.phoneNumber}">${u.givenName} ${u.familyName}</a><span class="meta">${formatPhone(u.phoneNumber)}</span></li>`)}
</ul>
<p class="meta">Test users log in with PIN 1236. Add more with <code>POST /devkit/v1/users</code>.</p>`,
    { tag: 'Vipps MT app (simulated)' },
  );
}
