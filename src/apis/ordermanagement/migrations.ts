import type { Kysely, Migration } from 'kysely';

/** Order Management's tables (append only). Row types: store.ts. */
export const omMigrations: Record<string, Migration> = {
  om_0001_images_categories_receipts: {
    async up(db: Kysely<any>) {
      // Images belong to a sales unit, are reusable and are never overwritten (OM-G).
      await db.schema.createTable('om_images')
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('image_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('media_type', 'varchar(20)', (c) => c.notNull())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('height', 'integer', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addPrimaryKeyConstraint('om_images_pk', ['msn', 'image_id'])
        .execute();
      // v2 keeps one category per order (the last PUT wins); v3 adds and deletes them by id.
      await db.schema.createTable('om_categories')
        .addColumn('category_id', 'varchar(40)', (c) => c.primaryKey())
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('payment_type', 'varchar(10)', (c) => c.notNull())
        .addColumn('order_id', 'varchar(256)', (c) => c.notNull())
        .addColumn('type', 'varchar(24)', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('image_id', 'varchar(128)')
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('om_categories_order').on('om_categories').columns(['msn', 'payment_type', 'order_id']).execute();
      await db.schema.createTable('om_receipts')
        .addColumn('msn', 'varchar(6)', (c) => c.notNull())
        .addColumn('payment_type', 'varchar(10)', (c) => c.notNull())
        .addColumn('order_id', 'varchar(256)', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addPrimaryKeyConstraint('om_receipts_pk', ['msn', 'payment_type', 'order_id'])
        .execute();
    },
  },
};
