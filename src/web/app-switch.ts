import type { PaymentRequestView, RequestState } from '../platform/user-inbox.js';
import { paymentSummary } from './components.js';
import { STATE_TEXT } from './format.js';
import { html, type Html } from './html.js';
import { layout, notice } from './layout.js';

export interface AppSwitchView {
  payment: PaymentRequestView;
  merchantName: string;
  state: RequestState;
  phoneNumber: string;
  error?: string;
}

/**
 * NATIVE_REDIRECT: on a phone the redirectUrl switches straight to the Vipps app. This page stands
 * in for that switch: it asks whose phone it is and opens the payment in that user's simulated app.
 */
export function appSwitchPage(v: AppSwitchView): Html {
  const p = v.payment;
  const body =
    v.state !== 'CREATED'
      ? html`${notice('info', html`This payment is <strong data-testid="state">${STATE_TEXT[v.state]}</strong>.`)}
${p.returnUrl ? html`<a class="btn btn-primary" href="${p.returnUrl}">Back to ${v.merchantName}</a>` : ''}`
      : html`${notice('error', v.error)}
<p class="meta">On a phone, this link switches to the Vipps MT app (<code>vippsMT://</code>) and back to the merchant's app afterwards. Here you choose whose phone it is.</p>
<form method="post" action="/app-switch">
  <input type="hidden" name="token" value="${p.token}">
  <label for="phoneNumber">Test user's phone number</label>
  <input type="tel" id="phoneNumber" name="phoneNumber" value="${v.phoneNumber}" inputmode="tel" autocomplete="tel">
  <button class="btn btn-primary" type="submit">Open in the Vipps app</button>
</form>`;
  return layout(`Switching to Vipps`, html`<h1>Switching to the Vipps app…</h1>
${paymentSummary(p, v.merchantName)}
${body}`, { tag: 'app switch (test)' });
}
