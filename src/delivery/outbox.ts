import type { Transaction } from 'kysely';
import type { CommandQueue } from '../db/command-queue.js';
import type { Database } from '../db/schema.js';
import { pendingDelivery, type NewDelivery, type PendingDelivery } from './rows.js';
import { deliveryStore } from './store.js';

/** A dispatcher holds a row this long (real time) before another may take it. */
export const LEASE_MS = 60_000;
/**
 * Shared PostgreSQL: how long a row is leased to the instance that wrote it, until that instance
 * admits it (right after the commit, when it extends the lease of what it will send now and lets
 * go of the rest). If the writer dies in between, another instance sends the row after this long.
 */
export const BIRTH_LEASE_MS = 5_000;

/** What the outbox tells the dispatcher, each once the transaction that caused it is durable. */
export interface OutboxSink {
  /** Rows this process wrote and holds (leased at birth): send them, no need to look them up. */
  written(rows: readonly PendingDelivery[]): void;
  /**
   * Rows just written, in a command not yet committed: work that sends nothing (signing) may be
   * done ahead, while the commit is made durable. They may yet roll back: nothing may go out.
   */
  prepare?(rows: readonly PendingDelivery[]): void;
  /** A channel's pending rows were dropped. */
  dropped(channel: string): void;
  /** Rows were deleted: one merchant's, or all. */
  cleared(msn: string | undefined): void;
  /** Look for due work now (a clock jump, a request server back up). */
  wake(): void;
}

/**
 * The delivery engine's only door for APIs: `enqueue` writes owed deliveries (webhooks, callbacks)
 * in the caller's transaction, so that they exist exactly when the change that owes them
 * committed. The engine knows no API: a row carries its target, payload and ordering channel.
 *
 * Rows are written leased to this process and handed to the dispatcher once their command has
 * committed and is durable: the writer sends what it wrote without polling for it, and another
 * instance (shared PostgreSQL) takes a row only if the writer lets it go or its lease runs out
 * (a short one, BIRTH_LEASE_MS, until the writer admits the row).
 */
export class Outbox {
  private sink: OutboxSink | undefined;

  constructor(
    private readonly commands: CommandQueue,
    private readonly now: () => Date,
    /** How long written rows are leased to this process (real ms): BIRTH_LEASE_MS when instances share the table. */
    private readonly birthLeaseMs = LEASE_MS,
  ) {}

  /** The dispatcher; until it is attached, written rows wait in the table for a poll. */
  attach(sink: OutboxSink): void {
    this.sink = sink;
  }

  async enqueue(trx: Transaction<Database>, rows: readonly NewDelivery[]): Promise<void> {
    if (rows.length === 0) return;
    const at = this.now().toISOString();
    const leaseUntil = new Date(Date.now() + this.birthLeaseMs).toISOString();
    const pending = rows.map((r) => pendingDelivery(r, at, leaseUntil));
    await deliveryStore.insert(trx, pending);
    this.sink?.prepare?.(pending);
    this.commands.afterCommit(trx, () => this.sink?.written(pending));
  }

  /**
   * Sends a delivery again (the dashboard's and `deliveries replay`'s resend): a new row with the
   * original's event, payload, target, headers and signing, due now and tried once. It keeps the
   * original's channel and place in it, so it still waits for earlier events owed to the same
   * receiver. Undefined when there is no such delivery; `no-target` for rows from before targets were stored.
   */
  async replay(trx: Transaction<Database>, id: string, newId: string): Promise<PendingDelivery | 'no-target' | undefined> {
    const original = await deliveryStore.load(trx, id);
    if (!original) return undefined;
    if (!original.target_url) return 'no-target';
    const row: NewDelivery = {
      id: newId,
      event_id: original.event_id,
      webhook_id: original.webhook_id,
      msn: original.msn,
      reference: original.reference,
      event_seq: original.event_seq,
      event_type: original.event_type,
      payload: original.payload,
      target_url: original.target_url,
      headers: original.headers ?? null,
      signing_secret: original.signing_secret ?? null,
      max_attempts: 1,
      timeout_ms: original.timeout_ms ?? null,
    };
    await this.enqueue(trx, [row]);
    return pendingDelivery(row, this.now().toISOString(), null);
  }

  /** Gives up what is still owed on one channel (a deleted webhook: nobody listens there any more). */
  async drop(trx: Transaction<Database>, channel: string, reason: string): Promise<void> {
    await deliveryStore.drop(trx, channel, reason);
    this.commands.afterCommit(trx, () => this.sink?.dropped(channel));
  }

  /** Forgets deliveries and their attempts: all, or one merchant's (reset). */
  async clear(trx: Transaction<Database>, msn?: string): Promise<void> {
    await deliveryStore.clear(trx, msn);
    this.commands.afterCommit(trx, () => this.sink?.cleared(msn));
  }

  /** Looks for due work now (a clock jump, a request server back up). */
  wake(): void {
    this.sink?.wake();
  }
}
