/**
 * The hosted checkout page (what `checkoutFrontendUrl` opens): contact details and address, the
 * shipping choice, the order summary, payment with the Vipps app or a test card, and the way back
 * to the shop. Server-rendered; every value escaped by `html`; phone-sized like the other pages.
 */
import type { IssuedPayment } from '../../platform/payment-port.js';
import { formatAmount } from '../../web/format.js';
import { html, trusted, type Html } from '../../web/html.js';
import { layout, notice } from '../../web/layout.js';
import { optionTitle, totalOf, wantsAddress, wantsContact, hasLogistics, type Session } from './domain.js';
import { FRONTEND_PATH } from './service.js';
import { TEST_CARDS } from './test-cards.js';

const TAG = 'Vipps Checkout (simulated)';
const CSS = trusted(`<style>
.lines{width:100%;border-collapse:collapse;font-size:14px}.lines td{padding:4px 0;border-bottom:1px solid #f0ebe8}.lines td.n{text-align:right;white-space:nowrap}
.total{display:flex;justify-content:space-between;font-weight:800;font-size:20px;margin:10px 0}
fieldset{border:1px solid #ebe6e3;border-radius:14px;padding:10px 14px;margin:0 0 12px}
fieldset label{font-weight:400;margin:6px 0;display:flex;gap:8px;align-items:flex-start}
input[type=email]{width:100%;font-size:18px;padding:12px;border:2px solid #d9d2ce;border-radius:10px}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:0 10px}
.cards{font-size:13px}.cards code{white-space:nowrap}
</style>`);

const kr = (a: { value: number; currency: string }) => formatAmount(a);
const action = (name: string) => `${FRONTEND_PATH}${name}`;
const tokenField = (s: Session) => html`<input type="hidden" name="token" value="${s.token}">`;

export interface PageView {
  session: Session;
  merchantName: string;
  payment?: IssuedPayment;
  error?: string;
  /** Typed values to show again after a refused form. */
  typed?: Record<string, string>;
  /** The merchant's dynamic shipping answer could not be used (the fixed options are shown). */
  dynamicNote?: string;
}

function summary(v: PageView): Html {
  const s = v.session;
  const lines = s.orderSummary && (s.configuration.showOrderSummary || s.orderSummary) ? s.orderSummary.orderLines : [];
  return html`<div class="card" data-testid="order-summary">
  <div class="merchant">${v.merchantName}</div>
  <div class="desc">${s.paymentDescription}</div>
  ${lines.length ? html`<table class="lines">${lines.map((l) => html`<tr><td>${l.unitInfo ? `${l.unitInfo.quantity} × ` : ''}${l.name}${l.discount ? html` <span class="meta">(−${kr({ value: l.discount, currency: s.amount.currency })})</span>` : ''}</td><td class="n">${l.isReturn ? '−' : ''}${kr({ value: l.totalAmount, currency: s.amount.currency })}</td></tr>`)}</table>` : ''}
  ${s.shipping ? html`<div class="meta" data-testid="shipping-line">${s.shipping.title}: ${kr(s.shipping.amount)}</div>` : ''}
  <div class="total"><span>Total</span><span data-testid="total">${kr(totalOf(s))}</span></div>
</div>`;
}

const value = (v: PageView, name: string, fallback: string | null | undefined) => v.typed?.[name] ?? fallback ?? '';

function detailsForm(v: PageView): Html {
  const s = v.session;
  const c = s.customer;
  const p = s.prefill;
  const input = (name: string, label: string, type: string, current: string | undefined, prefill: string | null | undefined, autocomplete: string) =>
    html`<div><label for="${name}">${label}</label><input type="${type}" id="${name}" name="${name}" value="${value(v, name, current ?? prefill)}" autocomplete="${autocomplete}" required></div>`;
  const countries = s.configuration.countries ?? ['NO', 'SE', 'DK', 'FI'];
  const country = value(v, 'country', c?.country ?? p?.country ?? countries[0]);
  return html`<form method="post" action="${action('details')}" class="card" data-testid="details">
  ${tokenField(s)}
  <h2>Your details</h2>
  <div class="grid2">${input('firstName', 'First name', 'text', c?.firstName, p?.firstName, 'given-name')}${input('lastName', 'Last name', 'text', c?.lastName, p?.lastName, 'family-name')}</div>
  ${input('email', 'Email', 'email', c?.email, p?.email, 'email')}
  ${input('phoneNumber', 'Mobile number', 'tel', c?.phoneNumber, p?.phoneNumber, 'tel')}
  ${wantsAddress(s)
    ? html`<h2>Delivery address</h2>
  ${input('streetAddress', 'Street address', 'text', c?.streetAddress, p?.streetAddress, 'street-address')}
  <div class="grid2">${input('postalCode', 'Postal code', 'text', c?.postalCode, p?.postalCode, 'postal-code')}${input('city', 'City', 'text', c?.city, p?.city, 'address-level2')}</div>
  <label for="country">Country</label>
  <select id="country" name="country">${countries.map((code) => html`<option value="${code}" ${code === country ? html`selected` : ''}>${code}</option>`)}</select>`
    : ''}
  <button class="btn btn-secondary" type="submit" data-testid="save-details">${wantsAddress(s) ? 'Save and see delivery options' : 'Save'}</button>
</form>`;
}

function shippingForm(v: PageView): Html | string {
  const s = v.session;
  if (!hasLogistics(s) || !s.customer) return '';
  if (s.shippingError) return notice('error', s.shippingError);
  if (!s.offered) return '';
  return html`<form method="post" action="${action('shipping')}" class="card" data-testid="shipping">
  ${tokenField(s)}
  <h2>Delivery</h2>
  ${v.dynamicNote ? html`<p class="meta">${v.dynamicNote}</p>` : ''}
  <fieldset>${s.offered.map((o) => html`<label><input type="radio" name="shippingMethodId" value="${o.id}" data-testid="option-${o.id}" ${s.shipping?.methodId === o.id ? html`checked` : ''}> <span>${optionTitle(o)} — ${kr(o.amount ?? { value: 0, currency: s.amount.currency })}${o.description ? html`<br><span class="meta">${o.description}</span>` : ''}</span></label>`)}</fieldset>
  <button class="btn btn-secondary" type="submit" data-testid="choose-shipping">Choose delivery</button>
</form>`;
}

function payForm(v: PageView): Html | string {
  const s = v.session;
  const ready = (!wantsContact(s) || s.customer) && (!hasLogistics(s) || s.shipping);
  if (!ready) return html`<p class="meta" data-testid="pay-later">Fill in the details above to pay.</p>`;
  const consent = s.configuration.customConsent;
  return html`<form method="post" action="${action('pay')}" class="card" data-testid="pay">
  ${tokenField(s)}
  ${consent ? html`<label><input type="checkbox" name="consent" value="yes" data-testid="consent"> ${consentText(consent.text)}${consent.required ? ' (required)' : ''}</label>` : ''}
  ${s.merchantInfo.termsAndConditionsUrl ? html`<p class="meta">By paying you accept the shop's <a href="${s.merchantInfo.termsAndConditionsUrl}" rel="noopener noreferrer" target="_blank">terms and conditions</a>.</p>` : ''}
  <button class="btn btn-primary" type="submit" name="method" value="vipps" data-testid="pay-vipps">Pay ${kr(totalOf(s))} with Vipps</button>
  <button class="btn btn-secondary" type="submit" name="method" value="card" data-testid="pay-card">Pay with card</button>
</form>`;
}

/** The consent text with its one Markdown link, if any, as a link (everything else plain text). */
function consentText(text: string): Html {
  const m = /\[([^\]]*)\]\(([^)]*)\)/.exec(text);
  if (!m || !/^https?:\/\//.test(m[2]!)) return html`${text}`;
  return html`${text.slice(0, m.index)}<a href="${m[2]}" rel="noopener noreferrer" target="_blank">${m[1]}</a>${text.slice(m.index + m[0].length)}`;
}

/** The session waits for the user: details, shipping, pay. */
export function checkoutPage(v: PageView): Html {
  return layout(`Checkout — ${v.merchantName}`, html`${CSS}<h1>Checkout</h1>
${notice('error', v.error)}
${summary(v)}
${wantsContact(v.session) ? detailsForm(v) : ''}
${shippingForm(v)}
${payForm(v)}
<a class="btn btn-secondary" href="${v.session.merchantInfo.returnUrl}" data-testid="back">Back to the shop</a>`, { tag: TAG });
}

/** A card payment waits for the card (again, after a decline). */
export function cardPage(v: PageView): Html {
  const s = v.session;
  const decline = v.payment?.lastDecline;
  return layout('Pay with card', html`${CSS}<h1>Pay with card</h1>
${notice('error', v.error)}
${decline ? html`<div class="notice error" role="alert" data-testid="declined">Card declined: <strong>${decline.reason}</strong>. ${decline.message} Try another card, or pay with Vipps in a new checkout.</div>` : ''}
${summary(v)}
<form method="post" action="${action('card')}" class="card" data-testid="card-form">
  ${tokenField(s)}
  <label for="number">Card number</label><input type="text" id="number" name="number" inputmode="numeric" autocomplete="cc-number" value="${v.typed?.number ?? ''}" required>
  <div class="grid2"><div><label for="expiry">Expiry (MM/YY)</label><input type="text" id="expiry" name="expiry" autocomplete="cc-exp" value="${v.typed?.expiry ?? ''}" required></div>
  <div><label for="cvc">CVC</label><input type="text" id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" required></div></div>
  <button class="btn btn-primary" type="submit" data-testid="pay-with-card">Pay ${v.payment ? kr(v.payment.amount) : kr(totalOf(s))}</button>
</form>
<div class="card cards"><strong>Test cards</strong> (any future expiry, any CVC):<ul>${TEST_CARDS.map((c) => html`<li><code>${c.number.replace(/(\d{4})(?=\d)/g, '$1 ')}</code> ${c.label}</li>`)}</ul></div>
${cancelForm(s)}`, { tag: TAG });
}

/** The card issuer's 3-D Secure step (simulated): approve or deny. */
export function challengePage(v: PageView & { number: string }): Html {
  const s = v.session;
  return layout('3-D Secure', html`<h1>Verify the payment</h1>
<div class="card"><div class="merchant">Devkit Testbank</div><div class="desc">Confirm the payment of ${v.payment ? kr(v.payment.amount) : kr(totalOf(s))} to ${v.merchantName} with the card ending ${v.number.slice(-4)}.</div></div>
<form method="post" action="${action('3ds')}" data-testid="challenge">
  ${tokenField(s)}<input type="hidden" name="number" value="${v.number}">
  <button class="btn btn-primary" type="submit" name="decision" value="approve" data-testid="3ds-approve">Approve</button>
  <button class="btn btn-secondary" type="submit" name="decision" value="deny" data-testid="3ds-deny">Deny</button>
</form>`, { tag: 'card issuer (simulated)' });
}

/** A wallet payment waits for the app. */
export function waitingPage(v: PageView): Html {
  return layout('Waiting for Vipps', html`<h1>Continue in Vipps</h1>
${notice('error', v.error)}
${summary(v)}
<p class="meta">The payment is waiting for approval in the Vipps app. This page updates itself.</p>
${v.payment?.landingUrl ? html`<a class="btn btn-primary" href="${v.payment.landingUrl}" data-testid="open-vipps">Open Vipps</a>` : ''}
${cancelForm(v.session)}`, { tag: TAG, refreshSeconds: 3 });
}

function cancelForm(s: Session): Html {
  return html`<form method="post" action="${action('cancel')}">${tokenField(s)}<button class="btn btn-secondary" type="submit" data-testid="cancel">Cancel payment</button></form>`;
}

const RESULTS: Record<string, { title: string; kind: 'ok' | 'info' | 'error'; text: string }> = {
  PaymentSuccessful: { title: 'Payment successful', kind: 'ok', text: 'Thank you! The payment is approved.' },
  PaymentTerminated: { title: 'Payment stopped', kind: 'info', text: 'The payment was cancelled, failed or timed out. No money was taken.' },
  SessionExpired: { title: 'Checkout expired', kind: 'info', text: 'This checkout is no longer open. Go back to the shop to start again.' },
};

/** The session has ended: the way back to the shop. */
export function resultPage(v: PageView): Html {
  const r = RESULTS[v.session.state] ?? RESULTS.SessionExpired!;
  return layout(r.title, html`<h1 data-testid="result" data-state="${v.session.state}">${r.title}</h1>
${notice(r.kind, r.text)}
${v.session.state === 'SessionExpired' ? '' : summary(v)}
<a class="btn btn-primary" href="${v.session.merchantInfo.returnUrl}" data-testid="return">Return to ${v.merchantName}</a>`, { tag: TAG });
}
