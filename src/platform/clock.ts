import { MAX_DURATION_MS, MAX_SIMULATED_TIME_MS } from './limits.js';

/**
 * The emulator's notion of "now". Domain code never reads the system time: it gets instants from
 * a Clock, so tests and users can jump ahead to payment expiry, due dates or rotations.
 */
export interface Clock {
  now(): Date;
}

type AdvanceListener = (now: Date) => void | Promise<void>;

/** A jump the clock refuses (backwards, not a number, or past MAX_SIMULATED_TIME_MS); nothing changed. */
export class ClockRangeError extends RangeError {}

const LATEST = new Date(MAX_SIMULATED_TIME_MS).toISOString();

/** Whether an offset read back (a saved setting, another instance's) is one this clock could have made. */
export function isValidOffset(offsetMs: number, realNow: number = Date.now()): boolean {
  return Number.isSafeInteger(offsetMs) && offsetMs >= 0 && realNow + offsetMs <= MAX_SIMULATED_TIME_MS;
}

/** Real time shifted by an offset that only grows: simulated time never runs backwards. */
export class OffsetClock implements Clock {
  private listeners: AdvanceListener[] = [];
  private persist: ((offsetMs: number) => Promise<void>) | undefined;
  /** Jumps run one at a time: each starts from the offset the one before it left. */
  private jumping: Promise<unknown> = Promise.resolve();

  constructor(private offsetMs = 0, private readonly realNow: () => number = Date.now) {
    if (!isValidOffset(offsetMs, realNow())) throw new ClockRangeError(`clock offset ${offsetMs} ms is out of range (simulated time ends at ${LATEST})`);
  }

  now(): Date {
    return new Date(this.realNow() + this.offsetMs);
  }

  get offset(): number {
    return this.offsetMs;
  }

  /** Saves a new offset before the clock shows it: a jump that cannot be saved is not made. */
  persistWith(persist: (offsetMs: number) => Promise<void>): void {
    this.persist = persist;
  }

  /**
   * Moves simulated time forward and lets time-driven jobs (expiry, ...) catch up before returning.
   * Checked before anything changes: a jump backwards, by a non-integer amount or past
   * MAX_SIMULATED_TIME_MS throws ClockRangeError and leaves the clock (and what is saved) as it was.
   */
  advance(ms: number): Promise<Date> {
    const run = this.jumping.then(async () => {
      const next = this.check(ms);
      await this.persist?.(next);
      this.offsetMs = next;
      const now = this.now();
      for (const listener of this.listeners) await listener(now);
      return now;
    });
    this.jumping = run.catch(() => undefined);
    return run;
  }

  /** The offset a jump of `ms` would give, or ClockRangeError. */
  check(ms: number): number {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new ClockRangeError('the clock only moves forward, by a finite number of milliseconds');
    const next = this.offsetMs + Math.round(ms);
    if (!isValidOffset(next, this.realNow())) {
      throw new ClockRangeError(`simulated time cannot go past ${LATEST}: it is ${this.now().toISOString()}, and the jump asked for is ${Math.round(ms)} ms`);
    }
    return next;
  }

  reset(): void {
    this.offsetMs = 0;
  }

  /** Follows a jump another instance made (shared PostgreSQL); never moves backwards, never out of range. */
  catchUp(offsetMs: number): void {
    if (isValidOffset(offsetMs, this.realNow()) && offsetMs > this.offsetMs) this.offsetMs = offsetMs;
  }

  /** Takes over another instance's reset (shared PostgreSQL): the one way simulated time goes back. */
  resetTo(offsetMs: number): void {
    if (isValidOffset(offsetMs, this.realNow())) this.offsetMs = offsetMs;
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

/**
 * Parses "90s", "15m", "2h", "3d", an ISO-8601 duration ("PT10M", "P1D") or plain milliseconds.
 * Throws RangeError for anything else, and for durations over MAX_DURATION_MS (10,000 years).
 */
export function parseDuration(input: string | number): number {
  const ms = parse(input);
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`not a duration: ${String(input).slice(0, 100)}`);
  if (ms > MAX_DURATION_MS) throw new RangeError(`duration too long: at most ${MAX_DURATION_MS} ms (10,000 years)`);
  return ms;
}

function parse(input: string | number): number {
  if (typeof input === 'number') return input;
  const text = input.trim();
  // Longer texts are no durations we could honour anyway; refusing them keeps the regexes cheap.
  if (text.length > 40) return Number.NaN;
  const simple = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text);
  if (simple) {
    const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[simple[2] as 'ms'];
    return Math.round(Number(simple[1]) * unit);
  }
  const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (iso && text !== 'P' && !text.endsWith('T')) {
    const [, d = '0', h = '0', m = '0', s = '0'] = iso;
    return Math.round(((Number(d) * 24 + Number(h)) * 60 + Number(m)) * 60_000 + Number(s) * 1_000);
  }
  if (/^\d+$/.test(text)) return Number(text);
  return Number.NaN;
}
