/**
 * What merchants attach to their orders (Order Management: receipts, categories with a link and
 * an image), for whoever shows orders: the simulated app's history lists it under ePayment and eCom
 * payments alike, and Checkout hands its order summary over as the receipt. Orders are keyed by
 * sales unit and order id (the ePayment reference, the eCom orderId), never by an API's tables.
 * The module that keeps them provides the port's provider in its start.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

export interface OrderKey {
  msn: string;
  orderId: string;
}

export interface ReceiptLineView {
  name: string;
  quantity?: string;
  unit?: string;
  totalAmount: number;
  totalTaxAmount: number;
  taxPercent?: number;
  discount?: number;
  isReturn?: boolean;
  isShipping?: boolean;
}

/** An order's extras as the app shows them. Amounts in minor units. */
export interface OrderDetails {
  category?: { type: string; url: string; imageUrl?: string };
  receipt?: { currency: string; lines: ReceiptLineView[]; total: number; totalTax: number; receiptNumber?: string };
}

/** A receipt handed over by another module (Checkout's order summary), in Order Management's own terms. */
export interface ReceiptInput {
  currency: string;
  lines: Array<{ id: string; name: string; totalAmount: number; totalAmountExcludingTax: number; totalTaxAmount: number; taxPercentage?: number; taxRate?: number; discount?: number; isReturn?: boolean; isShipping?: boolean; productUrl?: string; unitInfo?: { unitPrice?: number; quantity: string; quantityUnit?: string } }>;
  receiptNumber?: string;
  tipAmount?: number;
}

export interface OrderDetailsProvider {
  /** Details by `${msn} ${orderId}` (orders without any are left out). */
  forOrders(keys: readonly OrderKey[]): Promise<Map<string, OrderDetails>>;
  /** Stores a receipt inside the caller's command; false when the order has one already. */
  attachReceipt(trx: Transaction<Database>, at: OrderKey, receipt: ReceiptInput): Promise<boolean>;
}

export const orderKeyId = (k: OrderKey) => `${k.msn} ${k.orderId}`;

export class OrderDetailsPort {
  private provider: OrderDetailsProvider | undefined;

  provide(provider: OrderDetailsProvider): void {
    if (this.provider) throw new Error('an order-details provider is already registered');
    this.provider = provider;
  }

  async forOrders(keys: readonly OrderKey[]): Promise<Map<string, OrderDetails>> {
    return this.provider && keys.length > 0 ? this.provider.forOrders(keys) : new Map();
  }

  /** False when no module keeps order details, or the order has a receipt already. */
  async attachReceipt(trx: Transaction<Database>, at: OrderKey, receipt: ReceiptInput): Promise<boolean> {
    return this.provider ? this.provider.attachReceipt(trx, at, receipt) : false;
  }
}
