import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateNin, isValidNin, ninControlDigits, ninProblem, osloDate, parseNin } from '../../src/platform/nin.js';
import { SEEDED_TEST_USERS } from '../../src/platform/test-users.js';

describe('Norwegian national identity numbers (fødselsnummer)', () => {
  it('accepts known valid numbers and computes both control digits', () => {
    expect(isValidNin('01032300371')).toBe(true); // the historic shared MT test user
    expect(ninControlDigits('010323003')).toBe('71');
    expect(parseNin('01032300371')).toEqual({ birthDate: '1923-03-01', kind: 'fødselsnummer' });
  });

  it('refuses a wrong first or second control digit, bad lengths and impossible dates', () => {
    expect(ninProblem('01032300381')).toMatch(/control digits/); // first control digit off by one
    expect(ninProblem('01032300372')).toMatch(/control digits/); // second control digit off by one
    expect(ninProblem('0103230037')).toMatch(/11 digits/);
    expect(ninProblem('0103230037a')).toMatch(/11 digits/);
    // 31 February with valid control digits is still not a date of birth.
    const prefix = '310285001';
    const controls = ninControlDigits(prefix);
    if (controls) expect(ninProblem(prefix + controls)).toMatch(/date of birth/);
  });

  it('every single-digit change of a valid number is detected', () => {
    const nin = '15068527020';
    for (let i = 0; i < 11; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === nin[i]) continue;
        const changed = nin.slice(0, i) + d + nin.slice(i + 1);
        expect(isValidNin(changed), changed).toBe(false);
      }
    }
  });

  it('reads D-numbers and synthetic test numbers', () => {
    const d = '410323003'; // day 01 + 40
    expect(parseNin(d + ninControlDigits(d)!)).toEqual({ birthDate: '1923-03-01', kind: 'D-number' });
    const s = '018323003'; // month 03 + 80
    expect(parseNin(s + ninControlDigits(s)!)).toEqual({ birthDate: '1923-03-01', kind: 'synthetic' });
  });

  it('generates valid numbers that encode the birth date and its century (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2039-12-31T00:00:00Z'), noInvalidDate: true }), (date) => {
        const birthDate = date.toISOString().slice(0, 10);
        const nin = generateNin(birthDate);
        expect(ninProblem(nin)).toBeUndefined();
        expect(parseNin(nin)?.birthDate).toBe(birthDate);
      }),
      { numRuns: 300 },
    );
  });

  it('all seeded test users have valid numbers that match their birth dates', () => {
    for (const u of SEEDED_TEST_USERS) {
      expect(ninProblem(u.nin), u.phoneNumber).toBeUndefined();
      expect(parseNin(u.nin)!.birthDate).toBe(u.birthDate);
    }
  });

  it('the Oslo date turns at Oslo midnight, also when asked one instant after another (it is kept per UTC hour)', () => {
    // Winter (UTC+1) and summer (UTC+2): the last instant before Oslo midnight and the first after.
    const days = [['2025-01-14T22:59:59.999Z', '2025-01-14', '2025-01-15'], ['2025-07-14T21:59:59.999Z', '2025-07-14', '2025-07-15']] as const;
    for (const [instant, before, after] of days) {
      const t = Date.parse(instant);
      expect(osloDate(new Date(t))).toBe(before);
      expect(osloDate(new Date(t + 1))).toBe(after);
      expect(osloDate(new Date(t))).toBe(before);
    }
    // Any instant against a fresh formatter (property): the same date.
    const format = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit' });
    fc.assert(fc.property(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }), (t) => osloDate(new Date(t)) === format.format(new Date(t))));
    expect(() => osloDate(new Date(Number.NaN))).toThrow(RangeError);
  });
});
