import type { Kysely, Transaction } from 'kysely';
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
 * database transaction, and none of them is answered before that transaction has committed.
 * One fsync then covers a whole batch, so every acknowledged write is durable without paying a
 * disk flush per request. Each command runs under its own savepoint: a command that throws is
 * rolled back alone and the rest of the batch still commits.
 */
export class CommandQueue {
  private pending: Pending[] = [];
  private scheduled = false;
  private running = false;
  private idle: Array<() => void> = [];
  private committed: Array<() => void> = [];

  constructor(private readonly db: Kysely<Database>, private readonly maxBatch = 256) {}

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

  /** Resolves once every command queued so far has been committed (used on shutdown). */
  drain(): Promise<void> {
    if (!this.running && this.pending.length === 0) return Promise.resolve();
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
      this.running = false;
      if (this.pending.length > 0) this.schedule();
      else this.idle.splice(0).forEach((done) => done());
    }
  }
}
