/**
 * Dates of the Recurring calendar, pure: Oslo calendar dates (`YYYY-MM-DD`), the batch times at
 * which due charges are attempted, and interval arithmetic. Due dates are Norwegian dates; the
 * processing batches run at the documented 07:00 and 15:00 UTC (08:00/09:00 and 16:00/17:00 in
 * Oslo), which always fall on the same Oslo date.
 */

const DAY_MS = 86_400_000;
// Made on first use: the first DateTimeFormat with a time zone loads ICU's zone data (~20 ms of a start).
let osloDay: Intl.DateTimeFormat | undefined;

// Oslo's offset is whole hours, so an instant's Oslo date is the same all minute: formatted once a minute (charge creates read it).
let lastMinute = Number.NaN;
let lastDate = '';
/** The Oslo calendar date of an instant. */
export function osloDate(at: Date): string {
  const minute = Math.floor(at.getTime() / 60_000);
  if (minute !== lastMinute) {
    osloDay ??= new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit' });
    lastDate = osloDay.format(at);
    lastMinute = minute;
  }
  return lastDate;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether a string is a real calendar date `YYYY-MM-DD`. */
export function isDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

export const addDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** Adds calendar months, clamping to the month's last day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, last));
  return first.toISOString().slice(0, 10);
}

export type Unit = 'YEAR' | 'MONTH' | 'WEEK' | 'DAY';

let boundsOf = '';
let bounds = { earliest: '', latest: '' };
/** The due dates a charge created today may have (MT): from tomorrow to two years ahead. */
export function dueBounds(today: string): { earliest: string; latest: string } {
  if (today !== boundsOf) {
    bounds = { earliest: addDays(today, 1), latest: addMonths(today, 24) };
    boundsOf = today;
  }
  return bounds;
}

export function addPeriod(date: string, unit: Unit, count: number): string {
  switch (unit) {
    case 'DAY':
      return addDays(date, count);
    case 'WEEK':
      return addDays(date, 7 * count);
    case 'MONTH':
      return addMonths(date, count);
    case 'YEAR':
      return addMonths(date, 12 * count);
  }
}

/**
 * The documented batch runs (reference A4.5): 07:00 and 15:00 UTC every day. The 07:00 run
 * attempts the day's charges; the 15:00 run takes again the ones whose morning attempt failed when
 * the cause has gone since (funds back, a higher max amount). Both fall on the same Oslo date.
 */
export const MORNING_RUN_HOUR_UTC = 7;
export const AFTERNOON_RUN_HOUR_UTC = 15;
/** "Processing takes about an hour": a charge is PROCESSING this long after its run picks it up. */
export const PROCESSING_MS = 3_600_000;

/** The 07:00 UTC run on day `n` of a charge's window (0: its due date, then one a day for retryDays). */
export const attemptAt = (due: string, n: number): string => `${addDays(due, n)}T0${MORNING_RUN_HOUR_UTC}:00:00.000Z`;

/** The 15:00 UTC run on the same date as an instant. */
export const afternoonRunOf = (at: string): string => `${at.slice(0, 10)}T${AFTERNOON_RUN_HOUR_UTC}:00:00.000Z`;

/** Whether an instant is the afternoon run (or later that day). */
export const isAfternoon = (at: string): boolean => Number(at.slice(11, 13)) >= AFTERNOON_RUN_HOUR_UTC;

/** An instant `ms` later, as the calendar writes instants. */
export const later = (at: string, ms: number): string => new Date(Date.parse(at) + ms).toISOString();

/** A charge shows up in the app (PENDING → DUE) this many days before its due date (R-GUIDE). */
export const DUE_WINDOW_DAYS = 35;

/** When a PENDING charge becomes DUE: the start of the day 35 days before its due date. */
export const visibleAt = (due: string): string => `${addDays(due, -DUE_WINDOW_DAYS)}T00:00:00.000Z`;

/** Whole days from one date to another (negative when `to` is earlier). */
export const daysBetween = (from: string, to: string): number => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

const UNIT_TEXT: Record<Unit, [string, string]> = { DAY: ['day', 'days'], WEEK: ['week', 'weeks'], MONTH: ['month', 'months'], YEAR: ['year', 'years'] };

/** The interval as the app words it: "every month", "every 2 weeks". */
export const intervalText = (unit: Unit, count: number): string => (count === 1 ? `every ${UNIT_TEXT[unit][0]}` : `every ${count} ${UNIT_TEXT[unit][1]}`);

/** An amount in øre as the app shows it: "399 kr", "12,50 kr". */
export const kroner = (ore: number): string => (ore % 100 === 0 ? `${ore / 100} kr` : `${Math.floor(ore / 100)},${String(ore % 100).padStart(2, '0')} kr`);

/** "d/m/yyyy", as the documented campaign explanations write dates. */
export const shortDate = (iso: string): string => {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  return `${d}/${m}/${y}`;
};
