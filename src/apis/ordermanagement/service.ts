/**
 * Order Management's commands (one transaction each, through the command queue) and reads, and
 * the platform's order-details provider: what the app's history shows under a payment, and the
 * receipt Checkout hands over.
 */
import type { DatabaseHandle } from '../../db/open.js';
import type { Clock } from '../../platform/clock.js';
import type { IdSource } from '../../platform/ids.js';
import { orderKeyId, type OrderDetails, type OrderDetailsProvider, type ReceiptInput } from '../../platform/order-details.js';
import { badPaymentType, checkImage, checkReceipt, checkUrl, paymentTypeOf, rateOf, totals } from './domain.js';
import { omErrors, type OmProblem } from './errors.js';
import type { AddCategoryRequest, Category, CategoryRequest, ImageRequest, Receipt } from './schemas.js';
import { omStore } from './store.js';

export type Result<T> = { ok: true; value: T } | { ok: false; problem: OmProblem };
const refuse = (problem: OmProblem): Result<never> => ({ ok: false, problem });

export class OrderManagementService {
  constructor(private readonly deps: { database: DatabaseHandle; clock: Clock; ids: IdSource }) {}

  private run<T>(command: Parameters<DatabaseHandle['commands']['run']>[0] extends (trx: infer X) => unknown ? (trx: X) => Promise<Result<T>> : never): Promise<Result<T>> {
    return this.deps.database.commands.run(command);
  }

  uploadImage(msn: string, body: ImageRequest): Promise<Result<{ imageId: string }>> {
    const checked = checkImage(body.src);
    if (!checked.ok) return Promise.resolve(refuse(checked.problem));
    return this.run(async (trx) => {
      if (!(await omStore.insertImage(trx, msn, body.imageId, checked.image, checked.data, this.deps.clock.now()))) return refuse(omErrors.imageExists(body.imageId));
      return { ok: true, value: { imageId: body.imageId } };
    });
  }

  private async categoryProblem(msn: string, url: string, urlField: string, imageId: string | null | undefined): Promise<OmProblem | undefined> {
    const bad = checkUrl(urlField, url);
    if (bad) return bad;
    if (imageId && !(await omStore.imageExists(this.deps.database.db, msn, imageId))) return omErrors.imageNotFound(imageId);
    return undefined;
  }

  /** v2: one category per order, the last PUT wins; answers its id. */
  async putCategory(msn: string, rawType: string, orderId: string, body: CategoryRequest): Promise<Result<string>> {
    const paymentType = paymentTypeOf(rawType);
    if (!paymentType) return refuse(badPaymentType(rawType));
    const problem = await this.categoryProblem(msn, body.orderDetailsUrl, 'OrderDetailsUrl', body.imageId);
    if (problem) return refuse(problem);
    const category: Category = { categoryId: this.deps.ids.uuid(), orderId, paymentType, type: body.category, url: body.orderDetailsUrl, ...(body.imageId ? { imageId: body.imageId } : {}) };
    return this.run(async (trx) => {
      await omStore.replaceCategory(trx, msn, category, this.deps.clock.now());
      return { ok: true, value: category.categoryId };
    });
  }

  /** v3: adds a category; answers its id. */
  async addCategory(msn: string, body: AddCategoryRequest): Promise<Result<{ categoryId: string }>> {
    const paymentType = paymentTypeOf(body.paymentType);
    if (!paymentType) return refuse(badPaymentType(body.paymentType));
    const problem = await this.categoryProblem(msn, body.url, 'Url', body.imageId);
    if (problem) return refuse(problem);
    const category: Category = { categoryId: this.deps.ids.uuid(), orderId: body.orderId, paymentType, type: body.type, url: body.url, ...(body.imageId ? { imageId: body.imageId } : {}) };
    return this.run(async (trx) => {
      await omStore.addCategory(trx, msn, category, this.deps.clock.now());
      return { ok: true, value: { categoryId: category.categoryId } };
    });
  }

  async categories(msn: string, orderId: string | undefined): Promise<Result<{ categories: Category[] }>> {
    return { ok: true, value: { categories: await omStore.categories(this.deps.database.db, msn, orderId) } };
  }

  async category(msn: string, categoryId: string): Promise<Result<Category>> {
    const c = await omStore.category(this.deps.database.db, msn, categoryId);
    return c ? { ok: true, value: c } : refuse(omErrors.categoryNotFound(categoryId));
  }

  deleteCategory(msn: string, categoryId: string): Promise<Result<undefined>> {
    return this.run(async (trx) => ((await omStore.deleteCategory(trx, msn, categoryId)) ? { ok: true, value: undefined } : refuse(omErrors.categoryNotFound(categoryId))));
  }

  /** Order existence is never checked: data may come before or after the payment (OM-G). */
  addReceipt(msn: string, rawType: string, orderId: string, receipt: Receipt): Promise<Result<string>> {
    const paymentType = paymentTypeOf(rawType);
    if (!paymentType) return Promise.resolve(refuse(badPaymentType(rawType)));
    const problem = checkReceipt(receipt);
    if (problem) return Promise.resolve(refuse(problem));
    const id = this.deps.ids.uuid();
    return this.run(async (trx) => {
      if (!(await omStore.insertReceipt(trx, msn, paymentType, orderId, receipt, this.deps.clock.now()))) return refuse(omErrors.receiptExists(orderId));
      return { ok: true, value: id };
    });
  }

  async order(msn: string, rawType: string, orderId: string): Promise<Result<{ category?: { category: Category['type']; orderDetailsUrl: string; imageId?: string }; receipt?: Receipt }>> {
    const paymentType = paymentTypeOf(rawType);
    if (!paymentType) return refuse(badPaymentType(rawType));
    const db = this.deps.database.db;
    const [categories, receipt] = await Promise.all([omStore.categories(db, msn, orderId, paymentType), omStore.receipt(db, msn, paymentType, orderId)]);
    const latest = categories.at(-1);
    if (!latest && !receipt) return refuse(omErrors.orderNotFound(orderId));
    return {
      ok: true,
      value: {
        ...(latest ? { category: { category: latest.type, orderDetailsUrl: latest.url, ...(latest.imageId ? { imageId: latest.imageId } : {}) } } : {}),
        ...(receipt ? { receipt } : {}),
      },
    };
  }

  /** The platform port's provider (src/platform/order-details.ts). */
  provider(): OrderDetailsProvider {
    return {
      forOrders: async (keys) => {
        const db = this.deps.database.db;
        const found = await omStore.forOrders(db, keys);
        const latest = new Map<string, Category>();
        for (const c of found.categories) latest.set(orderKeyId({ msn: c.msn, orderId: c.category.orderId }), c.category);
        const imageKeys = [...latest].flatMap(([id, c]) => (c.imageId ? [{ msn: id.split(' ')[0]!, imageId: c.imageId }] : []));
        const images = await omStore.images(db, imageKeys);
        const out = new Map<string, OrderDetails>();
        for (const [id, c] of latest) {
          const image = c.imageId ? images.get(`${id.split(' ')[0]} ${c.imageId}`) : undefined;
          out.set(id, { category: { type: c.type, url: c.url, ...(image ? { imageUrl: `data:${image.mediaType};base64,${image.data}` } : {}) } });
        }
        for (const r of found.receipts) {
          const id = orderKeyId({ msn: r.msn, orderId: r.orderId });
          const sums = totals(r.receipt);
          out.set(id, {
            ...out.get(id),
            receipt: {
              currency: r.receipt.bottomLine.currency,
              total: sums.total,
              totalTax: sums.totalTax,
              ...(r.receipt.bottomLine.receiptNumber ? { receiptNumber: r.receipt.bottomLine.receiptNumber } : {}),
              lines: r.receipt.orderLines.map((l) => {
                const rate = rateOf(l);
                return {
                  name: l.name,
                  totalAmount: l.totalAmount,
                  totalTaxAmount: l.totalTaxAmount,
                  ...(rate === undefined ? {} : { taxPercent: rate / 100 }),
                  ...(l.unitInfo ? { quantity: l.unitInfo.quantity, unit: l.unitInfo.quantityUnit ?? 'PCS' } : {}),
                  ...(l.discount ? { discount: l.discount } : {}),
                  ...(l.isReturn ? { isReturn: true } : {}),
                  ...(l.isShipping ? { isShipping: true } : {}),
                };
              }),
            },
          });
        }
        return out;
      },
      attachReceipt: async (trx, at, input: ReceiptInput) => {
        const receipt: Receipt = {
          orderLines: input.lines.map(({ unitInfo, ...l }) => ({
            ...l,
            ...(unitInfo ? { unitInfo: { unitPrice: unitInfo.unitPrice ?? null, quantity: unitInfo.quantity, ...(unitInfo.quantityUnit ? { quantityUnit: unitInfo.quantityUnit as 'PCS' } : {}) } } : {}),
          })),
          bottomLine: { currency: input.currency as 'NOK', ...(input.receiptNumber ? { receiptNumber: input.receiptNumber } : {}), ...(input.tipAmount != null ? { tipAmount: input.tipAmount } : {}) },
        };
        return omStore.insertReceipt(trx, at.msn, 'ECOM', at.orderId, receipt, this.deps.clock.now());
      },
    };
  }
}
