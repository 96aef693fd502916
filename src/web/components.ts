import type { PaymentRequestView } from '../platform/user-inbox.js';
import { formatAmount } from './format.js';
import { html, type Html } from './html.js';

/** An agreement's terms: product, price and interval, campaign, what is paid now. */
export function agreementTerms(p: PaymentRequestView): Html | string {
  const a = p.agreement;
  if (!a) return '';
  return html`<div class="agreement" data-testid="agreement">
  <div class="desc" data-testid="product">${a.productName}</div>
  ${a.productDescription ? html`<div class="meta">${a.productDescription}</div>` : ''}
  <div data-testid="price"><strong>${a.price}</strong></div>
  ${a.campaign ? html`<div class="meta" data-testid="campaign">${a.campaign}</div>` : ''}
  ${a.initialCharge ? html`<div data-testid="initial-charge">Pay now: ${formatAmount(a.initialCharge.amount)} (${a.initialCharge.description})</div>` : html`<div class="meta">Nothing to pay now.</div>`}
  <div class="meta">Manage it at <a href="${a.manageUrl}">${a.manageUrl}</a></div>
</div>`;
}

/** Merchant, amount and description of a payment, as the landing page and the app show them. */
export function paymentSummary(p: PaymentRequestView, merchantName: string): Html {
  if (p.agreement) {
    return html`<div class="card summary">
  <div class="merchant" data-testid="merchant">${merchantName}</div>
  ${agreementTerms(p)}
  <div class="meta">Agreement ${p.reference}</div>
</div>`;
  }
  return html`<div class="card summary">
  <div class="merchant" data-testid="merchant">${merchantName}</div>
  <div class="amount" data-testid="amount">${formatAmount(p.amount)}</div>
  ${p.description ? html`<div class="desc" data-testid="description">${p.description}</div>` : ''}
  <div class="meta">Reference ${p.reference}</div>
</div>`;
}
