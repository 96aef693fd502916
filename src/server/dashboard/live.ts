import type { ServerResponse } from 'node:http';

/**
 * The dashboard's live updates: one Server-Sent Events stream per open page. While at least one is
 * open, a single timer asks `mark()` (row counts and versions of what the pages show, the clock,
 * the request servers, the faults) and tells every stream `change` when it moved; the page then
 * fetches itself again and swaps its live regions. Polling a mark covers every writer (APIs, the
 * clock sweep, deliveries, other instances on shared PostgreSQL) without hooks in each of them.
 */
export class ChangeFeed {
  private readonly streams = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private last: string | undefined;
  private ticking = false;
  private heartbeat = 0;
  private changes = 0;

  constructor(
    private readonly mark: () => Promise<string>,
    private readonly intervalMs = 400,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  async open(res: ServerResponse): Promise<void> {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    this.streams.add(res);
    res.on('close', () => {
      this.streams.delete(res);
      if (this.streams.size === 0) this.stop();
    });
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
    // The baseline first, then one change: the page fetches itself once after the baseline was
    // taken, so nothing that happened since it was rendered, or happens from now on, is missed.
    if (this.last === undefined) {
      try {
        this.last = await this.mark();
      } catch (err) {
        this.onError(err);
      }
    }
    if (!res.writableEnded) res.write('event: change\ndata: 0\n\n');
  }

  /** Something changed that the mark may not see (an action of the dashboard): tell now. */
  poke(): void {
    this.changes += 1;
    this.send(`event: change\ndata: ${this.changes}\n\n`);
  }

  close(): void {
    this.stop();
    for (const res of this.streams) res.end();
    this.streams.clear();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.last = undefined;
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.streams.size === 0) return;
    this.ticking = true;
    try {
      const mark = await this.mark();
      // The first mark after the streams opened is the baseline, not a change.
      if (this.last !== undefined && mark !== this.last) {
        this.changes += 1;
        this.send(`event: change\ndata: ${this.changes}\n\n`);
      }
      else if (++this.heartbeat % 40 === 0) this.send(': keep-alive\n\n');
      this.last = mark;
    } catch (err) {
      this.onError(err);
    } finally {
      this.ticking = false;
    }
  }

  private send(text: string): void {
    for (const res of this.streams) res.write(text);
  }
}
