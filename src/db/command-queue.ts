import type { Kysely, Transaction } from 'kysely';
import type { DurabilityBarrier } from './durability-barrier.js';
import { bindBatch, prepared } from './prepared.js';
import type { Database } from './schema.js';

export type Command<T> = (trx: Transaction<Database>) => Promise<T>;

const SAVEPOINT = prepared('savepoint cmd');
const RELEASE = prepared('release savepoint cmd');
const ROLLBACK = prepared('rollback to savepoint cmd');

interface Pending {
  run: Command<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: the commands of concurrent requests run one after another inside a single
 * database transaction, and none of them is answered before that transaction is durable.
 * One fsync then covers a whole batch (or several: see DurabilityBarrier), so every acknowledged
 * write is durable without paying a disk flush per request. Each command runs under its own
 * savepoint: a command that throws is rolled back alone and the rest of the batch still commits.
 * With a barrier, the next batch runs while the previous one's fsync is under way.
 */
export class CommandQueue {
  private pending: Pending[] = [];
  private scheduled = false;
  private running = false;
  private idle: Array<() => void> = [];
  private committed: Array<() => void> = [];

  constructor(
    private readonly db: Kysely<Database>,
    /** SQLite file databases: makes commits durable off the event loop. Without one, COMMIT itself is durable. */
    private readonly barrier?: DurabilityBarrier,
    private readonly maxBatch = 256,
  ) {}

  /** Resolves once everything committed so far is durable: for reads and sends that must not run ahead of the disk. */
  durable(): Promise<void> {
    return this.barrier ? this.barrier.durable() : Promise.resolve();
  }

  run<T>(command: Command<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run: command as Command<unknown>, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Called after every batch that committed: lets the delivery dispatcher look for new outbox rows at once. */
  onCommit(listener: () => void): void {
    this.committed.push(listener);
  }

  private syncing = 0;

  /** Resolves once every command queued so far has been committed and made durable (used on shutdown). */
  drain(): Promise<void> {
    if (!this.running && this.pending.length === 0 && this.syncing === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule() {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    // setImmediate lets every request already read from the sockets join this batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush() {
    this.running = true;
    const batch = this.pending.splice(0, this.maxBatch);
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        bindBatch(this.db, trx);
        for (const item of batch) {
          if (batch.length === 1) {
            // A batch of one needs no savepoint: its failure rolls back the transaction instead.
            outcomes.push({ ok: true, value: await item.run(trx) });
            continue;
          }
          await SAVEPOINT.run(trx);
          try {
            const value = await item.run(trx);
            await RELEASE.run(trx);
            outcomes.push({ ok: true, value });
          } catch (error) {
            await ROLLBACK.run(trx);
            await RELEASE.run(trx);
            outcomes.push({ ok: false, error });
          }
        }
      });
      const seq = this.barrier?.markCommitted();
      if (seq !== undefined) {
        // Let the next batch run while this one's WAL frames go to disk.
        this.syncing += 1;
        this.release();
        try {
          await this.barrier!.through(seq);
        } catch (error) {
          // Not durable: nobody may be told otherwise.
          batch.forEach((item) => item.reject(error));
          return;
        } finally {
          this.syncing -= 1;
        }
      }
      batch.forEach((item, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) item.resolve(outcome.value);
        else item.reject(outcome.error);
      });
      for (const listener of this.committed) listener();
    } catch (error) {
      // The commit itself failed (or the single command threw): nothing of this batch is durable.
      batch.forEach((item, i) => {
        const outcome = outcomes[i];
        item.reject(outcome && !outcome.ok ? outcome.error : error);
      });
    } finally {
      this.release();
    }
  }

  /** The writer is free: run what queued meanwhile, or tell drain() that all is done. */
  private release() {
    if (!this.running) {
      if (this.pending.length === 0 && this.syncing === 0) this.idle.splice(0).forEach((done) => done());
      return;
    }
    this.running = false;
    if (this.pending.length > 0) this.schedule();
    else if (this.syncing === 0) this.idle.splice(0).forEach((done) => done());
  }
}
