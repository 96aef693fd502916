import type { PaymentView } from '../apis/ecom/app-view.js';
import type { ShippingOption } from '../apis/ecom/domain.js';
import type { AppRequest } from '../apis/epayment/app-inbox.js';
import type { State } from '../apis/epayment/domain.js';
import type { TestUser } from '../platform/test-users.js';
import { formatAmount, formatPhone, STATE_TEXT, visibleState } from './format.js';
import { html, type Html } from './html.js';
import { layout, notice } from './layout.js';

export interface AppUserView {
  user: TestUser;
  requests: AppRequest[];
  merchantName: (msn: string) => string;
  now: Date;
  notice?: { kind: 'ok' | 'error' | 'info'; text: string };
  /** Token of the request a notice is about (its PIN field gets the focus). */
  focus?: string;
  scanLink?: string;
  /** eCom express checkout: shipping methods (or why there are none) per payment token. */
  shipping?: Map<string, { options: ShippingOption[] } | { error: string }>;
}

/** The shipping choice of an express checkout, inside the approve form. */
function shippingChoice(s: { options: ShippingOption[] } | { error: string } | undefined): Html | string {
  if (!s) return '';
  if ('error' in s) return html`<div class="notice error" data-testid="shipping-error">${s.error}</div>`;
  return html`<fieldset class="shipping" data-testid="shipping">
    <legend>Shipping</legend>
    ${s.options.map((o) => html`<label><input type="radio" name="shippingMethodId" value="${o.shippingMethodId}" data-testid="shipping-${o.shippingMethodId}" ${o.isDefault === 'Y' ? html`checked` : ''}> ${o.shippingMethod} — ${o.shippingCost.toFixed(2)} kr</label><br>`)}
  </fieldset>`;
}

/** One test user's simulated Vipps app: pending payment requests, a QR "scanner", payment history. */
export function appUserPage(v: AppUserView): Html {
  const base = `/app/${v.user.phoneNumber}`;
  const states = v.requests.map((r) => ({ r, state: visibleState(r.payment, v.now) }));
  const pending = states.filter((s) => s.state === 'CREATED');
  const history = states.filter((s) => s.state !== 'CREATED');
  const when = (iso: string) => iso.slice(0, 16).replace('T', ' ');
  return layout(
    `Vipps — ${v.user.givenName} ${v.user.familyName}`,
    html`<h1>Hi, ${v.user.givenName}</h1>
<p class="meta" data-testid="user">${v.user.givenName} ${v.user.familyName} · ${formatPhone(v.user.phoneNumber)} · <a href="/app">switch user</a> · <a href="${base}">refresh</a></p>
${v.notice ? notice(v.notice.kind, v.notice.text) : ''}
<h2>Payment requests</h2>
${pending.length === 0 ? html`<p class="meta" data-testid="inbox-empty">No payment requests right now. Pull to refresh: <a href="${base}">refresh</a>.</p>` : ''}
${pending.map(({ r }) => {
  const p = r.payment;
  return html`<div class="card request" data-testid="request" data-reference="${p.reference}">
  <div class="merchant">${v.merchantName(p.msn)}</div>
  <div class="amount">${formatAmount(p.amount)}</div>
  ${p.paymentDescription ? html`<div class="desc">${p.paymentDescription}</div>` : ''}
  <div class="meta">Reference ${p.reference} · expires ${when(p.expiresAt)} UTC</div>
  ${p.lastDecline ? html`<div class="notice error" data-testid="decline">Last attempt failed: <strong>${p.lastDecline.reason}</strong>. ${p.lastDecline.message}</div>` : ''}
  <form method="post" action="${base}/requests/${p.redirectToken}/approve">
    ${shippingChoice(v.shipping?.get(p.redirectToken))}
    <label for="pin-${p.redirectToken}">PIN</label>
    <input type="password" id="pin-${p.redirectToken}" name="pin" inputmode="numeric" autocomplete="off" maxlength="8" ${v.focus === p.redirectToken ? html`autofocus` : ''}>
    <p class="meta">Test users' PIN is 1236.</p>
    <button class="btn btn-primary" type="submit">Approve</button>
  </form>
  <form method="post" action="${base}/requests/${p.redirectToken}/reject">
    <button class="btn btn-secondary" type="submit">Reject</button>
  </form>
</div>`;
})}
<h2>Scan a QR code</h2>
<form method="post" action="${base}/scan" class="card">
  <label for="link">Paste the QR code's link</label>
  <input type="url" id="link" name="link" value="${v.scanLink ?? ''}" placeholder="http://…/qr/v1?token=…">
  <button class="btn btn-secondary" type="submit">Scan</button>
</form>
<h2>History</h2>
${history.length === 0 ? html`<p class="meta">No payments yet.</p>` : ''}
<ul class="plain" data-testid="history">
${history.map(({ r, state }) => html`<li data-reference="${r.payment.reference}"><span><strong>${v.merchantName(r.payment.msn)}</strong><br><span class="meta">${when(r.sentAt)} · ${r.payment.reference}</span>${consentForm(base, r.payment, v.user.phoneNumber)}</span><span>${formatAmount(r.payment.amount)}<br>${badge(state)}</span></li>`)}
</ul>`,
    { tag: 'Vipps MT app (simulated)' },
  );
}

function badge(state: State): Html {
  return html`<span class="badge ${state}" data-state="${state}">${STATE_TEXT[state]}</span>`;
}

/** "Remove consent" (Profile → Security → Companies that remember you) for an approved express payment. */
function consentForm(base: string, p: PaymentView, phoneNumber: string): Html | string {
  const e = p.ecom;
  if (!e || !e.userDetails || !e.consentRemovalPrefix || e.userPhoneNumber !== phoneNumber) return '';
  return html`<form method="post" action="${base}/requests/${p.redirectToken}/remove-consent"><button class="btn btn-secondary" type="submit" data-testid="remove-consent">Remove consent</button></form>`;
}
