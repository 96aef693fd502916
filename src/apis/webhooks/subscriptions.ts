import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { webhookStore, type Webhook } from './store.js';

/**
 * Each merchant's webhooks, as the outbox reads them on every ePayment command. With SQLite this
 * process is the only writer, so they are cached in memory; with PostgreSQL other instances
 * register and delete webhooks too, so every read goes to the database.
 *
 * A command that changes a merchant's webhooks calls `forget` right after its write (later
 * commands of the same batch then read the new set), and `changing` forgets once more when the
 * command has settled: a set read from a batch that then failed to commit is never kept.
 */
export class WebhookSubscriptions {
  private readonly cache = new Map<string, readonly Webhook[]>();

  constructor(private readonly enabled: boolean) {}

  async list(trx: Kysely<Database> | Transaction<Database>, msn: string): Promise<readonly Webhook[]> {
    if (!this.enabled) return webhookStore.list(trx, msn);
    let hooks = this.cache.get(msn);
    if (!hooks) {
      hooks = await webhookStore.list(trx, msn);
      this.cache.set(msn, hooks);
    }
    return hooks;
  }

  /** Drops a merchant's cached set, or every set. */
  forget(msn?: string): void {
    if (msn === undefined) this.cache.clear();
    else this.cache.delete(msn);
  }

  /** Runs a command that changes webhooks, forgetting the affected sets once it has settled. */
  async changing<T>(msn: string | undefined, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } finally {
      this.forget(msn);
    }
  }
}
