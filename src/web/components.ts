import type { PaymentRequestView } from '../platform/user-inbox.js';
import { formatAmount } from './format.js';
import { html, type Html } from './html.js';

/** Merchant, amount and description of a payment, as the landing page and the app show them. */
export function paymentSummary(p: PaymentRequestView, merchantName: string): Html {
  return html`<div class="card summary">
  <div class="merchant" data-testid="merchant">${merchantName}</div>
  <div class="amount" data-testid="amount">${formatAmount(p.amount)}</div>
  ${p.description ? html`<div class="desc" data-testid="description">${p.description}</div>` : ''}
  <div class="meta">Reference ${p.reference}</div>
</div>`;
}
