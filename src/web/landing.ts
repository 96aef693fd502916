import type { PaymentRequestView, RequestState } from '../platform/user-inbox.js';
import { paymentSummary } from './components.js';
import { formatPhone, STATE_TEXT } from './format.js';
import { html, type Html } from './html.js';
import { layout, notice } from './layout.js';

export interface LandingView {
  payment: PaymentRequestView;
  merchantName: string;
  state: RequestState;
  /** The number in the field: what the user typed, or customer.phoneNumber. */
  phoneNumber: string;
  /** The app the request was sent to, if it was. */
  sentTo?: string;
  error?: string;
}

/**
 * The landing page at a WEB_REDIRECT payment's redirectUrl (and an eCom payment's url): who is asking for how much, a phone
 * number field, "continue" (sends the request to that user's app) and "cancel" (aborts).
 */
export function landingPage(v: LandingView): Html {
  const p = v.payment;
  const token = p.token;
  let body: Html;
  if (v.state !== 'CREATED') {
    body = html`${notice(v.state === 'AUTHORIZED' ? 'ok' : 'info', html`This payment is <strong data-testid="state">${STATE_TEXT[v.state]}</strong>.`)}
${p.returnUrl ? html`<a class="btn btn-primary" href="${p.returnUrl}">Back to ${v.merchantName}</a>` : ''}`;
  } else {
    body = html`${notice('error', v.error)}
${v.sentTo ? notice('info', html`The payment request was sent to the Vipps app of ${formatPhone(v.sentTo)}. <a href="/app/${v.sentTo}">Open the simulated app</a> to approve or reject it.`) : ''}
<form method="post" action="/landing">
  <input type="hidden" name="token" value="${token}">
  <label for="phoneNumber">Phone number</label>
  <input type="tel" id="phoneNumber" name="phoneNumber" value="${v.phoneNumber}" inputmode="tel" autocomplete="tel" placeholder="8 digits, e.g. 97777776">
  <p class="meta">We send the payment request to this number's Vipps app. Test users are listed in the <a href="/app">simulated app</a>.</p>
  <button class="btn btn-primary" type="submit" name="action" value="continue">Continue</button>
  <button class="btn btn-secondary" type="submit" name="action" value="cancel">Cancel</button>
</form>`;
  }
  return layout(
    `Pay ${v.merchantName} with Vipps`,
    html`<h1>Pay with Vipps</h1>
${paymentSummary(p, v.merchantName)}
${body}`,
    { tag: 'landing page (test)', ...(v.sentTo && v.state === 'CREATED' ? { refreshSeconds: 3 } : {}) },
  );
}
