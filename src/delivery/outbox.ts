import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { pendingDelivery, type NewDelivery } from './rows.js';

/**
 * The delivery engine's only door for APIs: `enqueue` writes owed deliveries (webhooks, callbacks)
 * in the caller's transaction, so that they exist exactly when the change that owes them
 * committed. The engine knows no API: a row carries its target, payload and ordering key.
 */
export class Outbox {
  private owed = false;

  constructor(
    private readonly now: () => Date,
    private readonly dispatch: () => void,
  ) {}

  async enqueue(trx: Transaction<Database>, rows: readonly NewDelivery[]): Promise<void> {
    if (rows.length === 0) return;
    const at = this.now().toISOString();
    await trx.insertInto('deliveries').values(rows.map((r) => pendingDelivery(r, at))).execute();
    this.owed = true;
  }

  /** Gives up what is still owed on one channel (a deleted webhook: nobody listens there any more). */
  async drop(trx: Transaction<Database>, channel: string, reason: string): Promise<void> {
    await trx.updateTable('deliveries').set({ status: 'dropped', last_error: reason }).where('webhook_id', '=', channel).where('status', '=', 'pending').execute();
  }

  /** Forgets deliveries and their attempts: all, or one merchant's (reset). */
  async clear(trx: Transaction<Database>, msn?: string): Promise<void> {
    if (msn === undefined) {
      await trx.deleteFrom('delivery_attempts').execute();
      await trx.deleteFrom('deliveries').execute();
      return;
    }
    await trx.deleteFrom('delivery_attempts').where('delivery_id', 'in', trx.selectFrom('deliveries').select('id').where('msn', '=', msn)).execute();
    await trx.deleteFrom('deliveries').where('msn', '=', msn).execute();
  }

  /** After every commit: rows written by it are sent at once. */
  committed(): void {
    if (!this.owed) return;
    this.owed = false;
    this.dispatch();
  }

  /** Looks for due work now (a clock jump, a request server back up). */
  wake(): void {
    this.dispatch();
  }
}
