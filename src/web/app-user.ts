import { orderKeyId, type OrderDetails } from '../platform/order-details.js';
import type { TestUser } from '../platform/test-users.js';
import type { AgreementCharge, InboxEntry, PaymentRequestView, RequestState, ShippingChoice } from '../platform/user-inbox.js';
import { agreementTerms } from './components.js';
import { formatAmount, formatPhone, STATE_TEXT, visibleState } from './format.js';
import { html, type Html } from './html.js';
import { layout, notice } from './layout.js';

export interface AppUserView {
  user: TestUser;
  requests: InboxEntry[];
  merchantName: (msn: string) => string;
  now: Date;
  notice?: { kind: 'ok' | 'error' | 'info'; text: string };
  /** Token of the request a notice is about (its PIN field gets the focus). */
  focus?: string;
  scanLink?: string;
  /** Express checkout: shipping methods (or why there are none) per request token. */
  shipping?: Map<string, ShippingOffer>;
  /** Receipts and categories the merchants sent (Order Management), by `orderKeyId`. */
  orders?: Map<string, OrderDetails>;
}

export type ShippingOffer = { options: ShippingChoice[] } | { error: string };

/** Shipping prices as the app lists them: "49.50 kr". */
const shippingPrice = (o: ShippingChoice) => `${(o.price.value / 100).toFixed(2)} ${o.price.currency === 'NOK' ? 'kr' : o.price.currency}`;

/** The shipping choice of an express checkout, inside the approve form. */
function shippingChoice(s: ShippingOffer | undefined): Html | string {
  if (!s) return '';
  if ('error' in s) return html`<div class="notice error" data-testid="shipping-error">${s.error}</div>`;
  return html`<fieldset class="shipping" data-testid="shipping">
    <legend>Shipping</legend>
    ${s.options.map((o) => html`<label><input type="radio" name="shippingMethodId" value="${o.id}" data-testid="shipping-${o.id}" ${o.isDefault ? html`checked` : ''}> ${o.name} — ${shippingPrice(o)}</label><br>`)}
  </fieldset>`;
}

/** One test user's simulated Vipps app: pending payment requests, a QR "scanner", payment history. */
export function appUserPage(v: AppUserView): Html {
  const base = `/app/${v.user.phoneNumber}`;
  const states = v.requests.map((r) => ({ r, state: visibleState(r.request, v.now) }));
  const pending = states.filter((s) => s.state === 'CREATED');
  const history = states.filter((s) => s.state !== 'CREATED');
  // Standing agreements the user accepted and that still run.
  const agreements = states.filter((s) => s.state === 'AUTHORIZED' && s.r.request.agreement && !s.r.request.agreement.stopped);
  return layout(
    `Vipps — ${v.user.givenName} ${v.user.familyName}`,
    html`<h1>Hi, ${v.user.givenName}</h1>
<p class="meta" data-testid="user">${v.user.givenName} ${v.user.familyName} · ${formatPhone(v.user.phoneNumber)} · <a href="/app">switch user</a> · <a href="${base}">refresh</a></p>
${v.notice ? notice(v.notice.kind, v.notice.text) : ''}
${notifications(v)}
<h2>Payment requests</h2>
${pending.length === 0 ? html`<p class="meta" data-testid="inbox-empty">No payment requests right now. Pull to refresh: <a href="${base}">refresh</a>.</p>` : ''}
${pending.map(({ r }) => {
  const p = r.request;
  if (p.login) return loginCard(base, p, v);
  return html`<div class="card request" data-testid="request" data-reference="${p.reference}">
  <div class="merchant">${v.merchantName(p.msn)}</div>
  ${p.agreement ? agreementTerms(p) : html`<div class="amount">${formatAmount(p.amount)}</div>
  ${p.description ? html`<div class="desc">${p.description}</div>` : ''}`}
  <div class="meta">${p.agreement ? 'Agreement' : 'Reference'} ${p.reference} · expires ${when(p.expiresAt)} UTC</div>
  ${p.lastDecline ? html`<div class="notice error" data-testid="decline">Last attempt failed: <strong>${p.lastDecline.reason}</strong>. ${p.lastDecline.message}</div>` : ''}
  <form method="post" action="${base}/requests/${p.token}/approve">
    ${shippingChoice(v.shipping?.get(p.token))}
    <label for="pin-${p.token}">PIN</label>
    <input type="password" id="pin-${p.token}" name="pin" inputmode="numeric" autocomplete="off" maxlength="8" ${v.focus === p.token ? html`autofocus` : ''}>
    <p class="meta">Test users' PIN is 1236.</p>
    <button class="btn btn-primary" type="submit">${p.agreement ? 'Accept' : 'Approve'}</button>
  </form>
  <form method="post" action="${base}/requests/${p.token}/reject">
    <button class="btn btn-secondary" type="submit">Reject</button>
  </form>
</div>`;
})}
${agreements.length === 0 ? '' : html`<h2>Agreements</h2>
<ul class="plain" data-testid="agreements">
${agreements.map(({ r }) => html`<li data-reference="${r.request.reference}" style="flex-wrap:wrap"><span><strong>${v.merchantName(r.request.msn)}</strong> · ${r.request.agreement!.productName}<br><span class="meta">${r.request.agreement!.price}</span></span><form method="post" action="${base}/requests/${r.request.token}/stop"><button class="btn btn-secondary" type="submit" data-testid="stop-agreement">Stop</button></form>${agreementCharges(r.request.agreement!.charges)}</li>`)}
</ul>`}
<h2>Scan a QR code</h2>
<form method="post" action="${base}/scan" class="card">
  <label for="link">Paste the QR code's link</label>
  <input type="url" id="link" name="link" value="${v.scanLink ?? ''}" placeholder="http://…/qr/v1?token=…">
  <button class="btn btn-secondary" type="submit">Scan</button>
</form>
<h2>History</h2>
${history.length === 0 ? html`<p class="meta">No payments yet.</p>` : ''}
<ul class="plain" data-testid="history">
${history.map(({ r, state }) => html`<li data-reference="${r.request.reference}"><span><strong>${v.merchantName(r.request.msn)}</strong><br><span class="meta">${when(r.sentAt)} · ${r.request.reference}</span>${consentForm(base, r.request, v.user.phoneNumber)}${orderExtras(v.orders?.get(orderKeyId({ msn: r.request.msn, orderId: r.request.reference })))}</span><span>${r.request.login ? 'Login' : formatAmount(r.request.amount)}<br>${badge(state, r.request)}</span></li>`)}
</ul>`,
    { tag: 'Vipps MT app (simulated)' },
  );
}

const when = (iso: string) => iso.slice(0, 16).replace('T', ' ');

const CHARGE_TEXT: Record<AgreementCharge['status'], string> = {
  upcoming: 'Upcoming',
  processing: 'Processing',
  reserved: 'Reserved',
  charged: 'Charged',
  refunded: 'Refunded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** An active agreement's charges: upcoming ones (with the next try after a failed one), then what was charged or failed. */
function agreementCharges(charges: readonly AgreementCharge[] | undefined): Html {
  if (!charges || charges.length === 0) return html`<div class="meta" style="flex-basis:100%" data-testid="agreement-charges-empty">No charges yet.</div>`;
  return html`<table style="flex-basis:100%;width:100%;font-size:13px;border-collapse:collapse" data-testid="agreement-charges">
${charges.map((c) => html`<tr data-testid="agreement-charge" data-charge="${c.id}" data-status="${c.status}"><td>${c.due}</td><td>${c.description}</td><td style="text-align:right;white-space:nowrap">${formatAmount(c.amount)}</td><td style="text-align:right"><span class="badge charge-${c.status}" title="${c.failure ?? ''}">${CHARGE_TEXT[c.status]}</span>${c.nextAttempt ? html`<br><span class="meta">failed, next try ${when(c.nextAttempt)} UTC</span>` : ''}</td></tr>`)}
</table>`;
}

/**
 * The app's notifications: a push for every failed attempt at a charge (reference A4.5: "the user
 * is pushed on every failed attempt"), newest first.
 */
function notifications(v: AppUserView): Html | string {
  const items = v.requests.flatMap(({ request: p }) =>
    (p.agreement?.charges ?? []).flatMap((c) =>
      c.failedAttempts.map((at, i) => {
        const last = i === c.failedAttempts.length - 1;
        const what = `${v.merchantName(p.msn)}: the payment of ${formatAmount(c.amount)} for ${p.agreement!.productName} – ${c.description} failed`;
        const then = last && c.status === 'failed' ? `: ${c.failure ?? 'it could not be made'}. It will not be tried again.`
          : last && c.nextAttempt ? `. Check your card and balance: it is tried again ${when(c.nextAttempt)} UTC.`
          : '. It was tried again.';
        return { at, reference: p.reference, charge: c.id, final: last && c.status === 'failed', text: what + then };
      }),
    ),
  );
  if (items.length === 0) return '';
  items.sort((x, y) => y.at.localeCompare(x.at));
  return html`<h2>Notifications</h2>
<ul class="plain" data-testid="notifications">
${items.slice(0, 20).map((n) => html`<li data-testid="notification" data-reference="${n.reference}" data-charge="${n.charge}" data-final="${n.final ? 'true' : 'false'}"><span>${n.text}<br><span class="meta">${when(n.at)} UTC</span></span></li>`)}
</ul>`;
}

/** A login waiting in the app: confirm (with the PIN, consenting to what is listed) or refuse. */
function loginCard(base: string, p: PaymentRequestView, v: AppUserView): Html {
  const login = p.login!;
  return html`<div class="card request" data-testid="login-request" data-reference="${p.reference}">
  <div class="merchant">${v.merchantName(p.msn)}</div>
  <div class="amount">Log in?</div>
  ${login.bindingMessage ? html`<div class="desc">Check that the code matches: <strong data-testid="binding-message">${login.bindingMessage}</strong></div>` : ''}
  ${login.consents.length > 0
    ? html`<div class="desc" data-testid="consents">${v.merchantName(p.msn)} asks you to share:<ul>${login.consents.map((c) => html`<li>${c}</li>`)}</ul></div>`
    : ''}
  <div class="meta">Expires ${p.expiresAt.slice(0, 16).replace('T', ' ')} UTC</div>
  <form method="post" action="${base}/requests/${p.token}/approve">
    <label for="pin-${p.token}">PIN</label>
    <input type="password" id="pin-${p.token}" name="pin" inputmode="numeric" autocomplete="off" maxlength="8" ${v.focus === p.token ? html`autofocus` : ''}>
    <p class="meta">Test users' PIN is 1236.</p>
    <button class="btn btn-primary" type="submit">${login.consents.length > 0 ? 'Share and log in' : 'Log in'}</button>
  </form>
  <form method="post" action="${base}/requests/${p.token}/reject">
    <button class="btn btn-secondary" type="submit">Refuse</button>
  </form>
</div>`;
}

/** An agreement's states in the app's words: active, stopped. */
const AGREEMENT_TEXT: Partial<Record<RequestState, string>> = { AUTHORIZED: 'Active', ABORTED: 'Rejected', TERMINATED: 'Stopped' };

function badge(state: RequestState, p?: PaymentRequestView): Html {
  const text = p?.agreement ? (p.agreement.stopped ? 'Stopped' : (AGREEMENT_TEXT[state] ?? STATE_TEXT[state])) : STATE_TEXT[state];
  return html`<span class="badge ${state}" data-state="${state}">${text}</span>`;
}

/** "Remove consent" (Profile → Security → Companies that remember you) for an approved express payment. */
function consentForm(base: string, p: PaymentRequestView, phoneNumber: string): Html | string {
  if (!p.consent?.removable || p.consent.phoneNumber !== phoneNumber) return '';
  return html`<form method="post" action="${base}/requests/${p.token}/remove-consent"><button class="btn btn-secondary" type="submit" data-testid="remove-consent">Remove consent</button></form>`;
}

/** The button texts the app gives each category (OM-G: the category decides the button). */
const CATEGORY_BUTTON: Record<string, string> = {
  GENERAL: 'See order',
  RECEIPT: 'See receipt',
  ORDER_CONFIRMATION: 'See order confirmation',
  DELIVERY: 'Track delivery',
  TICKET: 'See ticket',
  BOOKING: 'See booking',
};

/** The receipt (order lines, VAT, total), and the category's image and link, under a payment in the history. */
function orderExtras(o: OrderDetails | undefined): Html | string {
  if (!o) return '';
  const money = (value: number, currency: string) => formatAmount({ value, currency });
  const c = o.category;
  const r = o.receipt;
  return html`<div class="order" data-testid="order-details">
${c?.imageUrl ? html`<img src="${c.imageUrl}" alt="" width="64" height="64" style="object-fit:cover;border-radius:8px;display:block;margin:6px 0" data-testid="order-image">` : ''}
${r ? html`<details data-testid="receipt"><summary>Receipt${r.receiptNumber ? ` ${r.receiptNumber}` : ''}</summary>
<table style="width:100%;font-size:13px;border-collapse:collapse">${r.lines.map((l) => html`<tr data-testid="receipt-line"><td>${l.quantity ? `${l.quantity} ${l.unit === 'PCS' ? '×' : l.unit} ` : ''}${l.name}${l.isShipping ? ' (shipping)' : ''}${l.discount ? html` <span class="meta">−${money(l.discount, r.currency)}</span>` : ''}</td><td style="text-align:right;white-space:nowrap">${l.isReturn ? '−' : ''}${money(l.totalAmount, r.currency)}</td></tr>`)}
<tr><td>VAT</td><td style="text-align:right" data-testid="receipt-vat">${money(r.totalTax, r.currency)}</td></tr>
<tr><td><strong>Total</strong></td><td style="text-align:right"><strong data-testid="receipt-total">${money(r.total, r.currency)}</strong></td></tr></table></details>` : ''}
${c ? html`<a class="btn btn-secondary" href="${c.url}" rel="noopener noreferrer" target="_blank" data-testid="category-link" data-category="${c.type}">${CATEGORY_BUTTON[c.type] ?? 'See order'}</a>` : ''}
</div>`;
}
