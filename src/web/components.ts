import type { Payment } from '../apis/epayment/domain.js';
import { formatAmount } from './format.js';
import { html, type Html } from './html.js';

/** Merchant, amount and description of a payment, as the landing page and the app show them. */
export function paymentSummary(p: Payment, merchantName: string): Html {
  return html`<div class="card summary">
  <div class="merchant" data-testid="merchant">${merchantName}</div>
  <div class="amount" data-testid="amount">${formatAmount(p.amount)}</div>
  ${p.paymentDescription ? html`<div class="desc" data-testid="description">${p.paymentDescription}</div>` : ''}
  <div class="meta">Reference ${p.reference}</div>
</div>`;
}
