/**
 * The settlement calendar, pure: Oslo ledger dates and Norwegian bank days. Holidays are computed
 * (Easter by the Gregorian computus), not listed, so any year works.
 */

const DAY_MS = 86_400_000;

export const addDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** 0 = Sunday … 6 = Saturday. */
export const weekday = (date: string): number => new Date(`${date}T00:00:00Z`).getUTCDay();

// Made on first use: the first DateTimeFormat with a time zone loads ICU's zone data (~20 ms of a start).
let osloParts: Intl.DateTimeFormat | undefined;
const osloFormat = () =>
  (osloParts ??= new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Oslo',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }));

/** Oslo's offset from UTC at an instant, in minutes (+60 winter, +120 summer). */
export function osloOffsetMinutes(at: Date): number {
  const p = Object.fromEntries(osloFormat().formatToParts(at).map((x) => [x.type, x.value]));
  const local = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return Math.round((local - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** The Oslo calendar date of an instant. */
export function osloDate(at: Date): string {
  return new Date(at.getTime() + osloOffsetMinutes(at) * 60_000).toISOString().slice(0, 10);
}

/** The instant Oslo wall-clock time `date` `hour`:00 happens (the later one if ambiguous is never needed: cut-offs avoid 02:00–03:00). */
export function osloInstant(date: string, hour: number): Date {
  const guess = Date.parse(`${date}T00:00:00Z`) + hour * 3_600_000;
  // Two rounds: the offset at the guess, then at the corrected instant (around a DST change).
  let at = new Date(guess - osloOffsetMinutes(new Date(guess)) * 60_000);
  at = new Date(guess - osloOffsetMinutes(at) * 60_000);
  return at;
}

/** The ledger date of an instant: the Oslo date whose cut-off hour (0: midnight, 4: 04:00) it is at or after. */
export function ledgerDateOf(at: Date, cutoffHour: number): string {
  const d = osloDate(at);
  return cutoffHour > 0 && at.getTime() < osloInstant(d, cutoffHour).getTime() ? addDays(d, -1) : d;
}

/** When a ledger date ends (and is closed): the next date's cut-off in Oslo. */
export const ledgerDateEnd = (date: string, cutoffHour: number): Date => osloInstant(addDays(date, 1), cutoffHour);

/** Easter Sunday of a Gregorian year (anonymous Gregorian algorithm, Meeus/Jones/Butcher). */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * Days Norwegian banks do not settle on, besides weekends: the public holidays (helligdager and
 * 1 and 17 May) and Christmas Eve and New Year's Eve, when the interbank settlement is closed.
 */
export function norwegianBankHolidays(year: number): Map<string, string> {
  const easter = easterSunday(year);
  const y = String(year).padStart(4, '0');
  return new Map([
    [`${y}-01-01`, 'New Year’s Day (første nyttårsdag)'],
    [addDays(easter, -3), 'Maundy Thursday (skjærtorsdag)'],
    [addDays(easter, -2), 'Good Friday (langfredag)'],
    [easter, 'Easter Sunday (første påskedag)'],
    [addDays(easter, 1), 'Easter Monday (andre påskedag)'],
    [`${y}-05-01`, 'Labour Day (offentlig høytidsdag)'],
    [`${y}-05-17`, 'Constitution Day (grunnlovsdag)'],
    [addDays(easter, 39), 'Ascension Day (Kristi himmelfartsdag)'],
    [addDays(easter, 49), 'Whit Sunday (første pinsedag)'],
    [addDays(easter, 50), 'Whit Monday (andre pinsedag)'],
    [`${y}-12-24`, 'Christmas Eve (julaften, bank holiday)'],
    [`${y}-12-25`, 'Christmas Day (første juledag)'],
    [`${y}-12-26`, 'Boxing Day (andre juledag)'],
    [`${y}-12-31`, 'New Year’s Eve (nyttårsaften, bank holiday)'],
  ]);
}

const holidaysByYear = new Map<number, Map<string, string>>();
function holidaysOf(year: number): Map<string, string> {
  let h = holidaysByYear.get(year);
  if (!h) holidaysByYear.set(year, (h = norwegianBankHolidays(year)));
  return h;
}

/** Why a date is no bank day (`Saturday`, a holiday's name), or undefined for a bank day. */
export function nonBankDayReason(date: string): string | undefined {
  const wd = weekday(date);
  if (wd === 6) return 'Saturday';
  if (wd === 0) return 'Sunday';
  return holidaysOf(Number(date.slice(0, 4))).get(date);
}

export const isBankDay = (date: string): boolean => nonBankDayReason(date) === undefined;

/** The `n`th bank day after `date` (n ≥ 1). */
export function addBankDays(date: string, n: number): string {
  let d = date;
  for (let left = n; left > 0; ) {
    d = addDays(d, 1);
    if (isBankDay(d)) left -= 1;
  }
  return d;
}

/** Money reaches the account on the 2nd bank day after the settlement date (Mon → Wed, Fri/Sat/Sun → Tue). */
export const payoutDateOf = (settlementDate: string): string => addBankDays(settlementDate, 2);

export const isLastDayOfMonth = (date: string): boolean => addDays(date, 1).slice(8) === '01';

/** Whether a string is a real calendar date `YYYY-MM-DD`. */
export function isDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}
