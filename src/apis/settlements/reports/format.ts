/**
 * Number and time formatting shared by the report writers. Hand-written and allocation-light
 * because a report may print a million rows: Intl.DateTimeFormat per row would dominate the run.
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** øre → "1234.50" / "-13.00": two decimals, '.' separator, no grouping, no '+'. */
export function money(ore: number, decimalComma = false): string {
  const negative = ore < 0;
  const abs = negative ? -ore : ore;
  const kroner = Math.floor(abs / 100);
  const cents = abs - kroner * 100;
  return `${negative ? '-' : ''}${kroner}${decimalComma ? ',' : '.'}${cents < 10 ? '0' : ''}${cents}`;
}

/** Kroner as a number (for spreadsheet cells): exact for øre integers up to 2^53. */
export function kroner(ore: number): number {
  return ore / 100;
}

/** The instant (UTC ms) of the last Sunday of a month at 01:00 UTC: the EU summer-time switch. */
function lastSundayAt0100Utc(year: number, month: number): number {
  const lastDay = Date.UTC(year, month + 1, 0);
  const weekday = new Date(lastDay).getUTCDay();
  return lastDay - weekday * DAY_MS + HOUR_MS;
}

const dstCache = new Map<number, [number, number]>();

/** Europe/Oslo's offset from UTC in ms at an instant (EU rule, in force in Norway since 1996). */
export function osloOffsetMs(timeMs: number): number {
  const year = new Date(timeMs).getUTCFullYear();
  let range = dstCache.get(year);
  if (!range) {
    range = [lastSundayAt0100Utc(year, 2), lastSundayAt0100Utc(year, 9)];
    dstCache.set(year, range);
  }
  return timeMs >= range[0] && timeMs < range[1] ? 2 * HOUR_MS : HOUR_MS;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

function isoDateOfUtcMs(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/** The Oslo calendar date (YYYY-MM-DD) of an instant. */
export function osloDate(timeMs: number): string {
  return isoDateOfUtcMs(timeMs + osloOffsetMs(timeMs));
}

/**
 * Formats instants as Oslo local time with offset, milliseconds with trailing zeros dropped
 * (`2018-09-22T18:43:57.437+02:00`, `…:49.27+01:00`; no fraction at .000). Remembers the last
 * day, since consecutive rows almost always share it.
 */
export class OsloTimeFormatter {
  private dayIndex = Number.NaN;
  private dayPrefix = '';

  format(timeMs: number): string {
    const offset = osloOffsetMs(timeMs);
    const local = timeMs + offset;
    const dayIndex = Math.floor(local / DAY_MS);
    if (dayIndex !== this.dayIndex) {
      this.dayIndex = dayIndex;
      this.dayPrefix = `${isoDateOfUtcMs(dayIndex * DAY_MS)}T`;
    }
    let rest = local - dayIndex * DAY_MS;
    const h = Math.floor(rest / HOUR_MS);
    rest -= h * HOUR_MS;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    const s = Math.floor(rest / 1000);
    const ms = rest - s * 1000;
    let fraction = '';
    if (ms !== 0) {
      fraction = ms < 10 ? `.00${ms}` : ms < 100 ? `.0${ms}` : `.${ms}`;
      while (fraction.endsWith('0')) fraction = fraction.slice(0, -1);
    }
    return `${this.dayPrefix}${pad2(h)}:${pad2(m)}:${pad2(s)}${fraction}${offset === HOUR_MS ? '+01:00' : '+02:00'}`;
  }
}

/** YYYY-MM-DD → dd.MM.yyyy (CSV, XLSX) */
export function norwegianDate(isoDate: string): string {
  return `${isoDate.slice(8, 10)}.${isoDate.slice(5, 7)}.${isoDate.slice(0, 4)}`;
}

/** YYYY-MM-DD → dd.MM.yy (the PDF's table) */
export function shortNorwegianDate(isoDate: string): string {
  return `${isoDate.slice(8, 10)}.${isoDate.slice(5, 7)}.${isoDate.slice(2, 4)}`;
}

/** 11-digit BBAN → 1503.76.54733 (the PDF's Bankkonto) */
export function formatAccount(bban: string): string {
  return /^\d{11}$/.test(bban) ? `${bban.slice(0, 4)}.${bban.slice(4, 6)}.${bban.slice(6)}` : bban;
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text content; drops characters XML 1.0 cannot carry at all. */
export function xmlText(value: string): string {
  if (!/[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(value)) return value;
  return value
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}
