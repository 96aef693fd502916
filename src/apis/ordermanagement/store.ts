/** Order Management's tables and their queries (row types join `Database` by declaration merging). */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { CheckedImage, PaymentType } from './domain.js';
import type { Category, Receipt } from './schemas.js';

export interface OmImagesTable {
  msn: string;
  image_id: string;
  media_type: string;
  width: number;
  height: number;
  data: string;
  created_at: string;
}
export interface OmCategoriesTable {
  category_id: string;
  msn: string;
  payment_type: string;
  order_id: string;
  type: string;
  url: string;
  image_id: string | null;
  created_at: string;
}
export interface OmReceiptsTable {
  msn: string;
  payment_type: string;
  order_id: string;
  document: string;
  created_at: string;
}

declare module '../../db/schema.js' {
  interface Database {
    om_images: OmImagesTable;
    om_categories: OmCategoriesTable;
    om_receipts: OmReceiptsTable;
  }
}

type Db = Kysely<Database> | Transaction<Database>;

const categoryOf = (r: OmCategoriesTable): Category => ({
  categoryId: r.category_id,
  orderId: r.order_id,
  paymentType: r.payment_type as PaymentType,
  type: r.type as Category['type'],
  url: r.url,
  ...(r.image_id ? { imageId: r.image_id } : {}),
});

export const omStore = {
  async imageExists(db: Db, msn: string, imageId: string): Promise<boolean> {
    return (await db.selectFrom('om_images').select('image_id').where('msn', '=', msn).where('image_id', '=', imageId).executeTakeFirst()) !== undefined;
  },

  /** False when the id is taken (images are never overwritten). */
  async insertImage(trx: Transaction<Database>, msn: string, imageId: string, image: CheckedImage, data: Buffer, now: Date): Promise<boolean> {
    if (await this.imageExists(trx, msn, imageId)) return false;
    await trx.insertInto('om_images').values({ msn, image_id: imageId, media_type: image.mediaType, width: image.width, height: image.height, data: data.toString('base64'), created_at: now.toISOString() }).execute();
    return true;
  },

  async images(db: Db, keys: ReadonlyArray<{ msn: string; imageId: string }>): Promise<Map<string, { mediaType: string; data: string }>> {
    const out = new Map<string, { mediaType: string; data: string }>();
    if (keys.length === 0) return out;
    const rows = await db
      .selectFrom('om_images')
      .select(['msn', 'image_id', 'media_type', 'data'])
      .where((eb) => eb(eb.refTuple('msn', 'image_id'), 'in', keys.map((k) => eb.tuple(k.msn, k.imageId))))
      .execute();
    for (const r of rows) out.set(`${r.msn} ${r.image_id}`, { mediaType: r.media_type, data: r.data });
    return out;
  },

  /** v2: the order's one category, replacing what it had. */
  async replaceCategory(trx: Transaction<Database>, msn: string, c: Category, now: Date): Promise<void> {
    await trx.deleteFrom('om_categories').where('msn', '=', msn).where('payment_type', '=', c.paymentType).where('order_id', '=', c.orderId).execute();
    await this.addCategory(trx, msn, c, now);
  },

  async addCategory(trx: Transaction<Database>, msn: string, c: Category, now: Date): Promise<void> {
    await trx.insertInto('om_categories').values({ category_id: c.categoryId, msn, payment_type: c.paymentType, order_id: c.orderId, type: c.type, url: c.url, image_id: c.imageId ?? null, created_at: now.toISOString() }).execute();
  },

  async categories(db: Db, msn: string, orderId: string | undefined, paymentType?: PaymentType): Promise<Category[]> {
    let q = db.selectFrom('om_categories').selectAll().where('msn', '=', msn).limit(1000);
    if (orderId !== undefined) q = q.where('order_id', '=', orderId);
    if (paymentType) q = q.where('payment_type', '=', paymentType);
    return (await q.orderBy('created_at').orderBy('category_id').execute()).map(categoryOf);
  },

  async category(db: Db, msn: string, categoryId: string): Promise<Category | undefined> {
    const row = await db.selectFrom('om_categories').selectAll().where('msn', '=', msn).where('category_id', '=', categoryId).executeTakeFirst();
    return row && categoryOf(row);
  },

  async deleteCategory(trx: Transaction<Database>, msn: string, categoryId: string): Promise<boolean> {
    const r = await trx.deleteFrom('om_categories').where('msn', '=', msn).where('category_id', '=', categoryId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },

  /** False when the order has a receipt already (a receipt is sent once). */
  async insertReceipt(trx: Transaction<Database>, msn: string, paymentType: PaymentType, orderId: string, receipt: Receipt, now: Date): Promise<boolean> {
    const taken = await trx.selectFrom('om_receipts').select('order_id').where('msn', '=', msn).where('payment_type', '=', paymentType).where('order_id', '=', orderId).executeTakeFirst();
    if (taken) return false;
    await trx.insertInto('om_receipts').values({ msn, payment_type: paymentType, order_id: orderId, document: JSON.stringify(receipt), created_at: now.toISOString() }).execute();
    return true;
  },

  async receipt(db: Db, msn: string, paymentType: PaymentType, orderId: string): Promise<Receipt | undefined> {
    const row = await db.selectFrom('om_receipts').select('document').where('msn', '=', msn).where('payment_type', '=', paymentType).where('order_id', '=', orderId).executeTakeFirst();
    return row && (JSON.parse(row.document) as Receipt);
  },

  /** ECOM orders' receipts and latest categories, for the app's history. */
  async forOrders(db: Db, keys: ReadonlyArray<{ msn: string; orderId: string }>): Promise<{ receipts: Array<{ msn: string; orderId: string; receipt: Receipt }>; categories: Array<{ msn: string; category: Category; createdAt: string }> }> {
    if (keys.length === 0) return { receipts: [], categories: [] };
    const tuples = (eb: any) => keys.map((k) => eb.tuple(k.msn, k.orderId));
    const receipts = await db
      .selectFrom('om_receipts')
      .select(['msn', 'order_id', 'document'])
      .where('payment_type', '=', 'ECOM')
      .where((eb) => eb(eb.refTuple('msn', 'order_id'), 'in', tuples(eb)))
      .execute();
    const categories = await db
      .selectFrom('om_categories')
      .selectAll()
      .where('payment_type', '=', 'ECOM')
      .where((eb) => eb(eb.refTuple('msn', 'order_id'), 'in', tuples(eb)))
      .orderBy('created_at')
      .execute();
    return {
      receipts: receipts.map((r) => ({ msn: r.msn, orderId: r.order_id, receipt: JSON.parse(r.document) as Receipt })),
      categories: categories.map((r) => ({ msn: r.msn, category: categoryOf(r), createdAt: r.created_at })),
    };
  },
};
