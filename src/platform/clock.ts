/**
 * The emulator's notion of "now". Domain code never reads the system time: it gets instants from
 * a Clock, so tests and users can jump ahead to payment expiry, due dates or rotations.
 */
export interface Clock {
  now(): Date;
}

type AdvanceListener = (now: Date) => void | Promise<void>;

/** Real time shifted by an offset that only grows: simulated time never runs backwards. */
export class OffsetClock implements Clock {
  private listeners: AdvanceListener[] = [];

  constructor(private offsetMs = 0, private readonly realNow: () => number = Date.now) {}

  now(): Date {
    return new Date(this.realNow() + this.offsetMs);
  }

  get offset(): number {
    return this.offsetMs;
  }

  /** Moves simulated time forward and lets time-driven jobs (expiry, ...) catch up before returning. */
  async advance(ms: number): Promise<Date> {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward');
    this.offsetMs += ms;
    const now = this.now();
    for (const listener of this.listeners) await listener(now);
    return now;
  }

  reset(): void {
    this.offsetMs = 0;
  }

  /** Follows a jump another instance made (shared PostgreSQL); never moves backwards. */
  catchUp(offsetMs: number): void {
    if (Number.isFinite(offsetMs) && offsetMs > this.offsetMs) this.offsetMs = offsetMs;
  }

  /** Takes over another instance's reset (shared PostgreSQL): the one way simulated time goes back. */
  resetTo(offsetMs: number): void {
    if (Number.isFinite(offsetMs) && offsetMs >= 0) this.offsetMs = offsetMs;
  }

  onAdvance(listener: AdvanceListener): void {
    this.listeners.push(listener);
  }
}

/** A clock that stands still unless told to move; for pure tests. */
export class FixedClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(at: Date): void {
    this.current = at;
  }
}

/** Parses "90s", "15m", "2h", "3d", an ISO-8601 duration ("PT10M", "P1D") or plain milliseconds. */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') return input;
  const simple = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(input.trim());
  if (simple) {
    const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[simple[2] as 'ms'];
    return Math.round(Number(simple[1]) * unit);
  }
  const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(input.trim());
  if (iso && input.trim() !== 'P' && !input.trim().endsWith('T')) {
    const [, d = '0', h = '0', m = '0', s = '0'] = iso;
    return Math.round(((Number(d) * 24 + Number(h)) * 60 + Number(m)) * 60_000 + Number(s) * 1_000);
  }
  if (/^\d+$/.test(input.trim())) return Number(input.trim());
  throw new RangeError(`not a duration: ${input}`);
}
