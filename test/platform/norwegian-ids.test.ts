import { describe, expect, it } from 'vitest';
import {
  accountNumberProblem,
  formatAccountNumber,
  generateDNumber,
  isValidAccountNumber,
  isValidKid,
  isValidOrgNumber,
  kidMod10CheckDigit,
  kidMod11CheckDigit,
  kidProblem,
  orgNumberCheckDigit,
  orgNumberProblem,
  parseNin,
} from '../../src/platform/norwegian-ids.js';

/** Every single-digit change of a valid value, to show the check digit catches it. */
function* singleDigitChanges(value: string): Generator<string> {
  for (let i = 0; i < value.length; i++) {
    for (let d = 0; d <= 9; d++) if (String(d) !== value[i]) yield value.slice(0, i) + d + value.slice(i + 1);
  }
}

describe('organisation numbers', () => {
  it('computes the published example and accepts it', () => {
    expect(orgNumberCheckDigit('12345678')).toBe('5'); // 12345678 → 123456785
    expect(isValidOrgNumber('123456785')).toBe(true);
    expect(isValidOrgNumber('123 456 785')).toBe(true);
  });

  it('says why a number is refused', () => {
    expect(orgNumberProblem('12345678')).toMatch(/9 digits/);
    expect(orgNumberProblem('12345678a')).toMatch(/9 digits/);
    expect(orgNumberProblem('123456784')).toMatch(/expected 5/);
    // 00000001: 2·1 = 2 → 9; 00000005: 2·5 = 10 → 1; 00000006: 2·6 = 12, 12 mod 11 = 1 → 10: no digit.
    expect(orgNumberCheckDigit('00000006')).toBeUndefined();
    expect(orgNumberProblem('000000060')).toMatch(/never issued/);
  });

  it('catches every single-digit change', () => {
    for (const changed of singleDigitChanges('123456785')) expect(isValidOrgNumber(changed), changed).toBe(false);
  });
});

describe('bank account numbers', () => {
  it('accepts the published examples in plain and written form', () => {
    expect(isValidAccountNumber('12345678903')).toBe(true);
    expect(isValidAccountNumber('86011117947')).toBe(true); // the Vipps docs example
    expect(isValidAccountNumber('8601.11.17947')).toBe(true);
    expect(isValidAccountNumber('8601 11 17947')).toBe(true);
    expect(formatAccountNumber('86011117947')).toBe('8601.11.17947');
  });

  it('says why a number is refused', () => {
    expect(accountNumberProblem('8601.1117947')).toMatch(/11 digits/);
    expect(accountNumberProblem('8601.11 17947')).toMatch(/11 digits/);
    expect(accountNumberProblem('86011117948')).toMatch(/expected 7/);
  });

  it('catches every single-digit change', () => {
    for (const changed of singleDigitChanges('86011117947')) expect(isValidAccountNumber(changed), changed).toBe(false);
  });
});

describe('KID', () => {
  it('computes the published MOD10 and MOD11 examples', () => {
    expect(kidMod10CheckDigit('1234')).toBe('4');
    expect(kidMod11CheckDigit('1234')).toBe('3');
    expect(isValidKid('12344', 'mod10')).toBe(true);
    expect(isValidKid('12343', 'mod11')).toBe(true);
    expect(isValidKid('12343', 'mod10')).toBe(false);
    expect(isValidKid('12343')).toBe(true); // either algorithm
  });

  it('uses - when MOD11 gives 10', () => {
    // '5': 2·5 = 10 → 11 − 10 = 1; '9': 18 mod 11 = 7 → 4; '6': 12 mod 11 = 1 → 10 → '-'.
    expect(kidMod11CheckDigit('6')).toBe('-');
    expect(isValidKid('6-', 'mod11')).toBe(true);
    expect(kidProblem('6-', 'mod10')).toMatch(/cannot end in -/);
  });

  it('says why a KID is refused', () => {
    expect(kidProblem('1')).toMatch(/2 to 25/);
    expect(kidProblem('1'.repeat(26))).toMatch(/2 to 25/);
    expect(kidProblem('12-4')).toMatch(/2 to 25/);
    expect(kidProblem('12345')).toMatch(/neither MOD10 \(4\) nor MOD11 \(3\)/);
    expect(kidProblem('12345', 'mod11')).toMatch(/expected 3/);
  });

  it('MOD10 catches every single-digit change', () => {
    for (const changed of singleDigitChanges('12344')) expect(isValidKid(changed, 'mod10'), changed).toBe(false);
  });
});

describe('D-numbers', () => {
  it('generates a D-number that reads back as one with the same birth date', () => {
    const d = generateDNumber('1985-06-15');
    expect(d.slice(0, 2)).toBe('55');
    expect(parseNin(d)).toEqual({ birthDate: '1985-06-15', kind: 'D-number' });
  });
});
