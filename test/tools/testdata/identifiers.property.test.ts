/**
 * Every identifier generator against validators written by others (npm packages, not our code):
 * norwegian-national-id-validator and @navikt/fnrvalidator for national identity numbers,
 * norsk-validator for organisation numbers, account numbers, IBAN and MOD11 KIDs, luhn for MOD10
 * KIDs. fast-check drives the seeds and birth dates; a failure prints the seed that broke it.
 */
import { dnr as navDnr, fnr as navFnr, tnr as navTnr } from '@navikt/fnrvalidator';
import fc from 'fast-check';
import luhn from 'luhn';
import { iban as nvIban, kidnummer as nvKid, kontonummer as nvKonto, organisasjonsnummer as nvOrg } from 'norsk-validator';
import { getGender, Gender, NorwegianId, possibleBirthDateOfIdNumber, validateNorwegianIdNumber } from 'norwegian-national-id-validator';
import { describe, expect, it } from 'vitest';
import {
  accountNumberToIban,
  createRandom,
  generateAccountNumber,
  generateDNumber,
  generateIdentityNumber,
  generateKid,
  generateNin,
  generateOrgNumber,
  isValidAccountNumber,
  isValidKid,
  isValidNin,
  isValidOrgNumber,
} from '../../../src/tools/testdata/index.js';

const RUNS = { numRuns: 500 };
const seeds = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
/** Birth dates the generators accept (1900–2039), no later than today: validators refuse future births. */
const birthDates = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date(), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

/** YYYY-MM-DD of a Date the validator built from local date parts. */
const localDay = (d: Date | undefined) => d && `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** A copy of `value` with the digit at `index` moved by `delta` (1–9), so it is certainly different. */
const changeDigit = (value: string, index: number, delta: number) =>
  value.slice(0, index) + String((Number(value[index]) + delta) % 10) + value.slice(index + 1);

describe('national identity numbers against norwegian-national-id-validator and @navikt/fnrvalidator', () => {
  it('a generated fødselsnummer is valid, a birth number, with the birth date it was made for', () => {
    fc.assert(
      fc.property(birthDates, seeds, (birthDate, seed) => {
        const nin = generateNin(birthDate, createRandom(seed).int);
        expect(validateNorwegianIdNumber(nin), nin).toBe(true);
        expect(NorwegianId(nin).isBirthNumber(), nin).toBe(true);
        expect(localDay(possibleBirthDateOfIdNumber(nin)), nin).toBe(birthDate);
        expect(navFnr(nin), nin).toEqual({ status: 'valid', type: 'fnr' });
      }),
      RUNS,
    );
  });

  it('a generated D-number is valid and a D-number, with the birth date it was made for', () => {
    fc.assert(
      fc.property(birthDates, seeds, (birthDate, seed) => {
        const nin = generateDNumber(birthDate, createRandom(seed).int);
        expect(NorwegianId(nin).isDNumber(), nin).toBe(true);
        expect(validateNorwegianIdNumber(nin), nin).toBe(true);
        expect(localDay(possibleBirthDateOfIdNumber(nin)), nin).toBe(birthDate);
        expect(navDnr(nin), nin).toEqual({ status: 'valid', type: 'dnr' });
      }),
      RUNS,
    );
  });

  it('a generated synthetic number is a valid Test Norge (T) number', () => {
    fc.assert(
      fc.property(birthDates, seeds, (birthDate, seed) => {
        const nin = generateIdentityNumber(birthDate, 'synthetic', createRandom(seed).int);
        expect(navTnr(nin), nin).toEqual({ status: 'valid', type: 'tnr' });
        expect(isValidNin(nin)).toBe(true);
      }),
      RUNS,
    );
  });

  it('any one changed digit makes our validator and theirs refuse the number alike', () => {
    fc.assert(
      fc.property(birthDates, seeds, fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 9 }), (birthDate, seed, index, delta) => {
        const changed = changeDigit(generateNin(birthDate, createRandom(seed).int), index, delta);
        // Every weight of the first control sum is non-zero mod 11 (and K2 has its own sum), so
        // one changed digit always breaks a control digit: both validators must say no.
        expect(isValidNin(changed), changed).toBe(false);
        expect(validateNorwegianIdNumber(changed), changed).toBe(false);
      }),
      RUNS,
    );
  });

  it('the gender read from a generated number agrees with theirs', () => {
    fc.assert(
      fc.property(birthDates, seeds, (birthDate, seed) => {
        const nin = generateNin(birthDate, createRandom(seed).int);
        expect(getGender(nin)).toBe(Number(nin[8]) % 2 === 1 ? Gender.Male : Gender.Female);
      }),
      RUNS,
    );
  });
});

describe('organisation numbers, account numbers and KID against norsk-validator and luhn', () => {
  it('a generated organisation number is valid, also with any first digit', () => {
    fc.assert(
      fc.property(seeds, fc.constantFrom(...'0123456789'), (seed, first) => {
        const random = createRandom(seed).int;
        for (const org of [generateOrgNumber(random), generateOrgNumber(random, first)]) {
          expect(nvOrg(org), org).toBe(true);
          expect(isValidOrgNumber(org)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('our organisation-number check agrees with theirs on any nine digits', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{9}$/), (digits) => {
        expect(isValidOrgNumber(digits), digits).toBe(nvOrg(digits));
      }),
      { numRuns: 2000 },
    );
  });

  it('a generated account number is valid, and so is its IBAN', () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const account = generateAccountNumber(createRandom(seed).int);
        expect(nvKonto(account), account).toBe(true);
        expect(nvIban(accountNumberToIban(account)), accountNumberToIban(account)).toBe(true);
      }),
      RUNS,
    );
  });

  it('our account-number check agrees with theirs on any eleven digits', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{11}$/), (digits) => {
        expect(isValidAccountNumber(digits), digits).toBe(nvKonto(digits));
      }),
      { numRuns: 2000 },
    );
  });

  it('a generated MOD10 KID passes the Luhn check', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 2, max: 25 }), (seed, length) => {
        const kid = generateKid(length, 'mod10', createRandom(seed).int);
        expect(kid).toHaveLength(length);
        // luhn refuses a number whose digits are all 0 (sum 0); the KID rule has no such exception.
        if (/[1-9]/.test(kid)) expect(luhn.validate(kid), kid).toBe(true);
      }),
      RUNS,
    );
  });

  it('a generated MOD11 KID passes norsk-validator, and one ending in - has no digit that would', () => {
    fc.assert(
      fc.property(seeds, fc.integer({ min: 2, max: 25 }), (seed, length) => {
        const kid = generateKid(length, 'mod11', createRandom(seed).int);
        expect(kid).toHaveLength(length);
        if (kid.endsWith('-')) {
          // MOD11 gave 10: no check digit 0–9 satisfies their validator either.
          for (const d of '0123456789') expect(nvKid(kid.slice(0, -1) + d, true, false), kid).toBe(false);
        } else {
          expect(nvKid(kid, true, false), kid).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('our KID checks agree with theirs on any digits', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{2,25}$/), (digits) => {
        if (/[1-9]/.test(digits)) expect(isValidKid(digits, 'mod10'), digits).toBe(luhn.validate(digits));
        expect(isValidKid(digits, 'mod11'), digits).toBe(nvKid(digits, true, false));
      }),
      { numRuns: 2000 },
    );
  });
});
