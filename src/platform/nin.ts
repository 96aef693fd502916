import { randomInt } from 'node:crypto';

/**
 * Norwegian national identity numbers (fødselsnummer): DDMMYY, a three-digit individual number
 * that also encodes the century, and two mod-11 control digits. D-numbers (day + 40) and the
 * synthetic test numbers of the Norwegian tax authority (month + 80) are accepted as well.
 */
const W1 = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const W2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

function control(digits: number[], weights: number[]): number | undefined {
  const sum = weights.reduce((acc, w, i) => acc + w * digits[i]!, 0);
  const k = 11 - (sum % 11);
  if (k === 11) return 0;
  if (k === 10) return undefined; // no valid control digit: the individual number is never issued
  return k;
}

/** The two control digits for the first nine digits, or undefined when that prefix cannot be valid. */
export function ninControlDigits(first9: string): string | undefined {
  if (!/^\d{9}$/.test(first9)) return undefined;
  const d = [...first9].map(Number);
  const k1 = control(d, W1);
  if (k1 === undefined) return undefined;
  const k2 = control([...d, k1], W2);
  if (k2 === undefined) return undefined;
  return `${k1}${k2}`;
}

/** The year of birth encoded by a two-digit year and the individual number (Skatteetaten's table). */
function fullYear(yy: number, individual: number): number | undefined {
  if (individual <= 499) return 1900 + yy;
  if (individual <= 749 && yy >= 54) return 1800 + yy;
  if (individual >= 900 && yy >= 40) return 1900 + yy;
  if (individual >= 500 && yy <= 39) return 2000 + yy;
  return undefined;
}

export interface NinInfo {
  birthDate: string;
  kind: 'fødselsnummer' | 'D-number' | 'synthetic';
}

/** Why a NIN is invalid, or undefined when it is valid. */
export function ninProblem(nin: string): string | undefined {
  if (!/^\d{11}$/.test(nin)) return 'must be 11 digits';
  if (ninControlDigits(nin.slice(0, 9)) !== nin.slice(9)) return 'the control digits do not match';
  if (!parseNin(nin)) return 'the first six digits are not a valid date of birth';
  return undefined;
}

export function isValidNin(nin: string): boolean {
  return ninProblem(nin) === undefined;
}

/** Birth date and kind of a valid NIN; undefined when the number is not valid. */
export function parseNin(nin: string): NinInfo | undefined {
  if (!/^\d{11}$/.test(nin) || ninControlDigits(nin.slice(0, 9)) !== nin.slice(9)) return undefined;
  let day = Number(nin.slice(0, 2));
  let month = Number(nin.slice(2, 4));
  const yy = Number(nin.slice(4, 6));
  const individual = Number(nin.slice(6, 9));
  let kind: NinInfo['kind'] = 'fødselsnummer';
  if (day > 40) {
    day -= 40;
    kind = 'D-number';
  }
  if (month > 80) {
    month -= 80;
    kind = 'synthetic';
  }
  const year = fullYear(yy, individual);
  if (year === undefined) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return { birthDate: date.toISOString().slice(0, 10), kind };
}

/** A valid fødselsnummer for someone born on `birthDate` (YYYY-MM-DD, years 1900-2039). */
export function generateNin(birthDate: string, random: (min: number, max: number) => number = randomInt): string {
  return generateIdentityNumber(birthDate, 'fødselsnummer', random);
}

/** A valid D-number (day + 40) for someone born on `birthDate` (YYYY-MM-DD, years 1900-2039). */
export function generateDNumber(birthDate: string, random: (min: number, max: number) => number = randomInt): string {
  return generateIdentityNumber(birthDate, 'D-number', random);
}

/**
 * A valid number of any kind: a fødselsnummer, a D-number (day + 40), or a synthetic test number
 * (month + 80, Skatteetaten's Tenor numbers, which no real person holds).
 */
export function generateIdentityNumber(
  birthDate: string,
  kind: NinInfo['kind'],
  random: (min: number, max: number) => number = randomInt,
): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate);
  if (!m) throw new RangeError(`not a date: ${birthDate}`);
  const year = Number(m[1]);
  if (year < 1900 || year > 2039) throw new RangeError(`no fødselsnummer for births in ${year}`);
  const [lo, hi] = year < 2000 ? [0, 499] : [500, 999];
  const day = Number(m[3]) + (kind === 'D-number' ? 40 : 0);
  const month = Number(m[2]) + (kind === 'synthetic' ? 80 : 0);
  const prefix = `${String(day).padStart(2, '0')}${String(month).padStart(2, '0')}${m[1]!.slice(2)}`;
  for (;;) {
    const individual = String(random(lo, hi + 1)).padStart(3, '0');
    const controls = ninControlDigits(prefix + individual);
    if (controls) return prefix + individual + controls;
  }
}

// Made once, on first use: building a DateTimeFormat costs ~0.4 ms, more than an approve's own
// work, and the first one with a time zone loads ICU's zone data (~20 ms), which a start need not pay.
let osloDateFormat: Intl.DateTimeFormat | undefined;

/** The last date formatted and the UTC hour it is the date of. */
let osloHour = Number.NaN;
let osloDay = '';

/**
 * The calendar date (YYYY-MM-DD) in Norway at an instant: birthdays turn at Oslo midnight. Norway's
 * offset from UTC has been whole hours since 1895, so the date is the same for a whole UTC hour:
 * formatted once per hour (every approve asks; ICU's format is the dearest part of an age check).
 */
export function osloDate(at: Date): string {
  const hour = Math.floor(at.getTime() / 3_600_000);
  if (hour !== osloHour || hour < -657_432) {
    // (Before 1895, or an invalid date: NaN is never equal, and format throws as before.)
    osloDateFormat ??= new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit' });
    osloDay = osloDateFormat.format(at);
    osloHour = hour;
  }
  return osloDay;
}

/** Age in whole years on `today` (YYYY-MM-DD) of someone born on `birthDate` (YYYY-MM-DD). */
export function ageOn(birthDate: string, today: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

/** The age of the holder of a valid NIN at an instant (Norwegian calendar); undefined for an invalid NIN. */
export function ageFromNin(nin: string, at: Date): number | undefined {
  const info = parseNin(nin);
  return info && ageOn(info.birthDate, osloDate(at));
}
