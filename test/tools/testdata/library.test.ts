/**
 * `vipps-devkit/testdata` as a merchant's test suite imports it: through the package's own
 * "exports" entry (the built files), not through src/.
 */
import { describe, expect, it } from 'vitest';
import {
  accountNumberProblem,
  formatRows,
  generateAccounts,
  generateCompanies,
  generateKids,
  generateOrgNumber,
  generatePeople,
  isValidAccountNumber,
  isValidKid,
  isValidNin,
  isValidOrgNumber,
  kidProblem,
  ninProblem,
  orgNumberProblem,
  type Person,
} from 'vipps-devkit/testdata';

describe('vipps-devkit/testdata', () => {
  it('exports validators that say why a value is refused', () => {
    expect(orgNumberProblem('123456785')).toBeUndefined();
    expect(orgNumberProblem('123456789')).toMatch(/check digit/);
    expect(accountNumberProblem('8601.11.17947')).toBeUndefined();
    expect(accountNumberProblem('8601.11.17948')).toMatch(/check digit/);
    expect(kidProblem('12344', 'mod10')).toBeUndefined();
    expect(kidProblem('12344', 'mod11')).toMatch(/MOD11/);
    expect(ninProblem('01032300371')).toBeUndefined();
    expect(ninProblem('01032300372')).toMatch(/control digits/);
  });

  it('generates rows its own validators accept, the same rows for the same seed', () => {
    const people = [...generatePeople({ count: 100, seed: 5, today: '2026-01-01' })];
    expect(people.every((p) => isValidNin(p.nationalIdentityNumber))).toBe(true);
    expect([...generatePeople({ count: 100, seed: 5, today: '2026-01-01' })]).toEqual(people);
    for (const c of generateCompanies({ count: 50, seed: 5 })) {
      expect(isValidOrgNumber(c.organisationNumber)).toBe(true);
      expect(isValidAccountNumber(c.accountNumber)).toBe(true);
    }
    for (const a of generateAccounts({ count: 50 })) expect(isValidAccountNumber(a.formatted)).toBe(true);
    for (const k of generateKids({ count: 50, length: 25 })) expect(isValidKid(k.kid, k.algorithm)).toBe(true);
    expect(isValidOrgNumber(generateOrgNumber())).toBe(true);
  });

  it('is lazy: an endless generator, and formatting pulls only the rows of the chunk it hands out', () => {
    let pulled = 0;
    const counted = function* (): Generator<Person> {
      for (const p of generatePeople({ count: Infinity, seed: 1 })) {
        pulled++;
        yield p;
      }
    };
    const chunks = formatRows(counted(), ['nationalIdentityNumber'], 'csv');
    const first = chunks.next().value as string;
    const lines = first.trimEnd().split('\n');
    expect(lines[0]).toBe('nationalIdentityNumber');
    // One chunk's worth of rows was made, not the endless rest.
    expect(pulled).toBe(lines.length - 1);
    expect(pulled).toBeLessThanOrEqual(1000);
    chunks.next();
    expect(pulled).toBe(2 * (lines.length - 1));
  });

  it('refuses bad options when called, before any row', () => {
    expect(() => generatePeople({ count: 1, minAge: 50, maxAge: 20 })).toThrow(/min-age/);
    expect(() => generateKids({ count: 1, length: 1 })).toThrow(/2 to 25/);
    expect(() => generatePeople({ count: -1 })).toThrow(/count/);
    expect(() => generatePeople({ count: 1, today: 'tomorrow' })).toThrow(/YYYY-MM-DD/);
  });
});
