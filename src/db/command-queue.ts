import type { Kysely, Transaction } from 'kysely';
import type { DurabilityBarrier } from './durability-barrier.js';
import { bindBatch, prepared } from './prepared.js';
import type { Database } from './schema.js';

export type Command<T> = (trx: Transaction<Database>) => Promise<T>;

const SAVEPOINT = prepared('savepoint cmd');
const RELEASE = prepared('release savepoint cmd');
const ROLLBACK = prepared('rollback to savepoint cmd');

type Outcome = { ok: true; value: unknown; effects: Array<() => void> } | { ok: false; error: unknown };

/** A command threw inside a batch run without savepoints (see CommandQueue.execute). */
class CommandFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('a command of the batch failed');
  }
}

interface Pending {
  run: Command<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: the commands of concurrent requests run one after another inside a single
 * database transaction, and none of them is answered before that transaction is durable.
 * One fsync then covers a whole batch (or several: see DurabilityBarrier), so every acknowledged
 * write is durable without paying a disk flush per request. A command that throws is rolled back
 * alone and the rest of the batch still commits: the batch then runs again with a savepoint per
 * command (see execute).
 * With a barrier, the next batch waits for the running fsync unless a full batch is queued.
 */
export class CommandQueue {
  private pending: Pending[] = [];
  private scheduled = false;
  private running = false;
  private idle: Array<() => void> = [];
  private rolledBack: Array<() => void> = [];
  /** The running batch's transaction, and where the running command's after-commit effects go. */
  private batchTrx: Transaction<Database> | undefined;
  private effects: Array<() => void> | undefined;
  /** Commands waiting to ride along with the next batch (runSoon), and the deadline for running alone. */
  private riders: Pending[] = [];
  private riderTimer: NodeJS.Timeout | undefined;

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

  /**
   * Runs `command` in the next batch that runs anyway, or in one of its own after `maxDelayMs`:
   * for writes nobody waits for (delivery attempt records), which then cost no commit and no
   * sync of their own while other commands keep the queue busy — and do not hold up the next
   * request's batch behind their sync.
   */
  runSoon<T>(command: Command<T>, maxDelayMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.riders.push({ run: command as Command<unknown>, resolve: resolve as (v: unknown) => void, reject });
      this.riderTimer ??= setTimeout(() => this.boardRiders(), maxDelayMs);
    });
  }

  /** Riders join the pending commands (their batch is due, or the queue is draining). */
  private boardRiders(): void {
    if (this.riderTimer) clearTimeout(this.riderTimer);
    this.riderTimer = undefined;
    if (this.riders.length === 0) return;
    this.pending.push(...this.riders.splice(0));
    this.schedule();
  }

  /**
   * Runs `effect` once the command running in `trx` has committed and is durable, right before its
   * reply (a batch whose effects ran is answered in the check phase of that loop turn, after what
   * the effects started there); never when that command's writes are rolled back. For what must follow exactly the
   * writes that stuck: the outbox hands the rows it wrote to the dispatcher this way.
   */
  afterCommit(trx: Transaction<Database>, effect: () => void): void {
    if (trx !== this.batchTrx || !this.effects) throw new Error('afterCommit: not inside a running command of this queue');
    this.effects.push(effect);
  }

  /**
   * Called when a batch's transaction rolled back before it runs again: caches filled inside it
   * (see WebhookSubscriptions) must not keep what was read from writes that are now undone.
   */
  onRollback(listener: () => void): void {
    this.rolledBack.push(listener);
  }

  private syncing = 0;

  /** Resolves once every command queued so far has been committed and made durable (used on shutdown). */
  drain(): Promise<void> {
    this.boardRiders();
    if (!this.running && this.pending.length === 0 && this.syncing === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule() {
    if (this.scheduled || this.running) return;
    // While a commit is being made durable, the next batch waits for that sync (unless a full
    // batch is queued): its replies could not go out before the next sync anyway, and one larger
    // batch costs less than several small ones (one commit, one sync, one transaction).
    if (this.syncing > 0 && this.pending.length < this.maxBatch) return;
    this.scheduled = true;
    // setImmediate lets every request already read from the sockets join this batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush() {
    this.running = true;
    // Riders go with whatever runs anyway.
    if (this.riders.length > 0) {
      if (this.riderTimer) clearTimeout(this.riderTimer);
      this.riderTimer = undefined;
      this.pending.push(...this.riders.splice(0));
    }
    const batch = this.pending.splice(0, this.maxBatch);
    let outcomes: Outcome[] = [];
    try {
      try {
        outcomes = await this.execute(batch, false);
      } catch (error) {
        // A command threw in a batch run without savepoints: the whole transaction rolled back.
        // A batch of one just fails; a larger one runs again, each command under a savepoint, so
        // that only the failing command is lost (the others have not been answered yet).
        for (const listener of this.rolledBack) listener();
        if (!(error instanceof CommandFailed) || batch.length === 1) throw error instanceof CommandFailed ? error.cause : error;
        outcomes = await this.execute(batch, true);
      }
      const seq = this.barrier?.markCommitted();
      if (seq !== undefined) {
        // The writer is free while this batch's WAL frames go to disk (a full batch may run: see schedule).
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
          if (this.pending.length > 0) this.schedule();
        }
      }
      // Effects before replies: the webhooks this batch owes start first. An HTTP client may write
      // on a kept-alive socket only in the check phase (undici first lets pending bytes on an idle
      // socket be read), so when an effect ran the replies wait for that phase too: the merchant's
      // receiver hears first, the caller one hop later (docs/decisions.md 228).
      let effectsRan = false;
      for (const outcome of outcomes) {
        if (!outcome.ok) continue;
        for (const effect of outcome.effects) {
          effectsRan = true;
          try {
            effect();
          } catch {
            // An effect is the caller's business; it must not take the queue down.
          }
        }
      }
      const answer = () =>
        batch.forEach((item, i) => {
          const outcome = outcomes[i]!;
          if (outcome.ok) item.resolve(outcome.value);
          else item.reject(outcome.error);
        });
      if (effectsRan) setImmediate(answer);
      else answer();
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

  /**
   * Runs a batch in one transaction. Optimistically without savepoints (two statements less per
   * command; commands rarely throw, they return refusals): a command that throws then aborts the
   * transaction with CommandFailed. With savepoints, a command that throws is rolled back alone.
   */
  private async execute(batch: Pending[], savepoints: boolean): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        bindBatch(this.db, trx);
        this.batchTrx = trx;
        for (const item of batch) {
          const effects: Array<() => void> = [];
          this.effects = effects;
          if (!savepoints) {
            try {
              outcomes.push({ ok: true, value: await item.run(trx), effects });
            } catch (error) {
              throw new CommandFailed(error);
            }
            continue;
          }
          await SAVEPOINT.run(trx);
          try {
            const value = await item.run(trx);
            await RELEASE.run(trx);
            outcomes.push({ ok: true, value, effects });
          } catch (error) {
            await ROLLBACK.run(trx);
            await RELEASE.run(trx);
            outcomes.push({ ok: false, error });
          }
        }
        this.effects = undefined;
      });
    } finally {
      this.batchTrx = undefined;
      this.effects = undefined;
    }
    return outcomes;
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
