/**
 * Makes committed transactions durable off the event loop. SQLite runs with synchronous=NORMAL
 * in WAL mode — a commit writes its WAL frames but does not fsync them — and this barrier fsyncs
 * the WAL in the thread pool before anything that depends on a commit goes out: replies, webhook
 * deliveries, reads. Syncs are coalesced: every commit made while one sync runs is covered by
 * the single next one. Together with SQLite's own syncs at checkpoints (which NORMAL keeps) an
 * acknowledged transaction survives a power cut, as with synchronous=FULL, without blocking
 * the event loop for the disk.
 */
export class DurabilityBarrier {
  private committed = 0;
  private synced = 0;
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(private readonly sync: () => Promise<void>) {}

  /** Records a commit; returns its number. */
  markCommitted(): number {
    return ++this.committed;
  }

  /** Resolves once everything committed so far is on disk (at once when it already is). */
  durable(): Promise<void> {
    return this.synced >= this.committed ? Promise.resolve() : this.through(this.committed);
  }

  /** Resolves once commit number `seq` is on disk. */
  async through(seq: number): Promise<void> {
    while (this.synced < seq) await this.request();
  }

  private request(): Promise<void> {
    if (!this.running) {
      const covers = this.committed;
      this.running = this.sync().then(() => {
        this.synced = Math.max(this.synced, covers);
      }).finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    // The running sync may have started before the caller's commit: queue one more for everyone.
    this.next ??= this.running.then(() => {
      this.next = undefined;
      return this.request();
    }, () => {
      this.next = undefined;
      return this.request();
    });
    return this.next;
  }
}
