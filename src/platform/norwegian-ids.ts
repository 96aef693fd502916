import { randomInt } from 'node:crypto';

/**
 * Norwegian identifiers other than the national identity number (that one lives in nin.ts and is
 * re-exported here): organisation numbers, bank account numbers and KID payment references.
 * Each `…Problem` function says why a value is invalid, or returns undefined when it is valid,
 * like `ninProblem`. The generators take their randomness as an argument (crypto's by default).
 */
export { generateDNumber, generateIdentityNumber, generateNin, isValidNin, ninControlDigits, ninProblem, parseNin, type NinInfo } from './nin.js';

/** Weighted sum of digits, weights aligned from the left. */
function weightedSum(digits: string, weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += weights[i]! * (digits.charCodeAt(i) - 48);
  return sum;
}

/** 11 − (sum mod 11), with 11 → 0; 10 has no digit, so undefined. */
function mod11Digit(sum: number): number | undefined {
  const k = 11 - (sum % 11);
  if (k === 11) return 0;
  return k === 10 ? undefined : k;
}

// ---- organisation number (organisasjonsnummer): 9 digits, the last a mod-11 check digit ----

const ORG_WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2] as const;

/** The check digit for eight digits, or undefined when no ninth digit can make them valid. */
export function orgNumberCheckDigit(first8: string): string | undefined {
  if (!/^\d{8}$/.test(first8)) return undefined;
  const k = mod11Digit(weightedSum(first8, ORG_WEIGHTS));
  return k === undefined ? undefined : String(k);
}

/** Why an organisation number is invalid (9 digits, spaces between groups allowed), or undefined. */
export function orgNumberProblem(value: string): string | undefined {
  const digits = value.replace(/^(\d{3}) (\d{3}) (\d{3})$/, '$1$2$3');
  if (!/^\d{9}$/.test(digits)) return 'an organisation number must be 9 digits';
  const k = orgNumberCheckDigit(digits.slice(0, 8));
  if (k === undefined) return 'no check digit exists for the first eight digits (mod 11 gives 10), so the number is never issued';
  if (k !== digits[8]) return `the check digit does not match (expected ${k})`;
  return undefined;
}

export function isValidOrgNumber(value: string): boolean {
  return orgNumberProblem(value) === undefined;
}

// ---- bank account number (kontonummer): 11 digits NNNN.NN.NNNNN, the last a mod-11 check digit ----

const ACCOUNT_WEIGHTS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2] as const;

/** The check digit for ten digits, or undefined when no eleventh digit can make them valid. */
export function accountNumberCheckDigit(first10: string): string | undefined {
  if (!/^\d{10}$/.test(first10)) return undefined;
  const k = mod11Digit(weightedSum(first10, ACCOUNT_WEIGHTS));
  return k === undefined ? undefined : String(k);
}

/** 11 digits from `12345678903`, `1234.56.78903` or `1234 56 78903`; undefined for any other shape. */
export function accountNumberDigits(value: string): string | undefined {
  if (/^\d{11}$/.test(value)) return value;
  const m = /^(\d{4})([. ])(\d{2})\2(\d{5})$/.exec(value);
  return m ? `${m[1]}${m[3]}${m[4]}` : undefined;
}

/** Why a bank account number is invalid, or undefined when it is valid. */
export function accountNumberProblem(value: string): string | undefined {
  const digits = accountNumberDigits(value);
  if (digits === undefined) return 'an account number must be 11 digits, optionally written NNNN.NN.NNNNN';
  const k = accountNumberCheckDigit(digits.slice(0, 10));
  if (k === undefined) return 'no check digit exists for the first ten digits (mod 11 gives 10), so the number is never issued';
  if (k !== digits[10]) return `the check digit does not match (expected ${k})`;
  return undefined;
}

export function isValidAccountNumber(value: string): boolean {
  return accountNumberProblem(value) === undefined;
}

/** The written form NNNN.NN.NNNNN of a valid account number. */
export function formatAccountNumber(value: string): string {
  const d = accountNumberDigits(value);
  if (d === undefined) throw new RangeError(`not an account number: ${value}`);
  return `${d.slice(0, 4)}.${d.slice(4, 6)}.${d.slice(6)}`;
}

// ---- KID (kundeidentifikasjon): 2–25 characters, the last a MOD10 (Luhn) or MOD11 check character ----

export type KidAlgorithm = 'mod10' | 'mod11';

/** Luhn: weights 2,1,2,1… from the rightmost data digit, products summed by their digits. */
export function kidMod10CheckDigit(data: string): string {
  if (!/^\d+$/.test(data)) throw new RangeError('KID data must be digits');
  let sum = 0;
  for (let i = data.length - 1, w = 2; i >= 0; i--, w = 3 - w) {
    const p = (data.charCodeAt(i) - 48) * w;
    sum += p > 9 ? p - 9 : p;
  }
  return String((10 - (sum % 10)) % 10);
}

/** Weights 2..7 repeating from the rightmost data digit; 11 → 0 and 10 → '-'. */
export function kidMod11CheckDigit(data: string): string {
  if (!/^\d+$/.test(data)) throw new RangeError('KID data must be digits');
  let sum = 0;
  for (let i = data.length - 1, w = 2; i >= 0; i--, w = w === 7 ? 2 : w + 1) sum += (data.charCodeAt(i) - 48) * w;
  const k = 11 - (sum % 11);
  return k === 11 ? '0' : k === 10 ? '-' : String(k);
}

export function kidCheckDigit(data: string, algorithm: KidAlgorithm): string {
  return algorithm === 'mod10' ? kidMod10CheckDigit(data) : kidMod11CheckDigit(data);
}

/**
 * Why a KID is invalid, or undefined when it is valid. Which algorithm a payee uses is set in its
 * agreement with its bank; without `algorithm` a KID valid under either one is accepted.
 */
export function kidProblem(value: string, algorithm?: KidAlgorithm): string | undefined {
  if (!/^\d{1,24}[\d-]$/.test(value)) return 'a KID must be 2 to 25 digits (a MOD11 KID may end in -)';
  const data = value.slice(0, -1);
  const check = value.slice(-1);
  const mod10 = check === '-' ? undefined : kidMod10CheckDigit(data);
  const mod11 = kidMod11CheckDigit(data);
  if (algorithm === 'mod10') {
    if (check === '-') return 'a MOD10 KID cannot end in -';
    return mod10 === check ? undefined : `the MOD10 check digit does not match (expected ${mod10})`;
  }
  if (algorithm === 'mod11') return mod11 === check ? undefined : `the MOD11 check character does not match (expected ${mod11})`;
  if (mod10 === check || mod11 === check) return undefined;
  return `the check character matches neither MOD10 (${kidMod10CheckDigit(data)}) nor MOD11 (${mod11})`;
}

export function isValidKid(value: string, algorithm?: KidAlgorithm): boolean {
  return kidProblem(value, algorithm) === undefined;
}

// ---- generators: randomness is injected (crypto by default), so seeded test data is repeatable ----

/** `random(min, max)`: an integer in [min, max), like node:crypto randomInt. */
export type RandomInt = (min: number, max: number) => number;

function randomDigits(n: number, random: RandomInt): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(48 + random(0, 10));
  return s;
}

/**
 * A valid organisation number. Real ones start with 8 or 9, so the generated ones do too unless
 * `firstDigit` says otherwise.
 */
export function generateOrgNumber(random: RandomInt = randomInt, firstDigit: string = random(0, 2) === 0 ? '8' : '9'): string {
  for (;;) {
    const first8 = firstDigit + randomDigits(7, random);
    const k = orgNumberCheckDigit(first8);
    if (k !== undefined) return first8 + k;
  }
}

/** A valid bank account number (11 digits); `bankCode` fixes the 4-digit bank registration number. */
export function generateAccountNumber(random: RandomInt = randomInt, bankCode?: string): string {
  if (bankCode !== undefined && !/^\d{4}$/.test(bankCode)) throw new RangeError('a bank registration number is 4 digits');
  for (;;) {
    const first10 = (bankCode ?? String(random(1000, 10000))) + randomDigits(6, random);
    const k = accountNumberCheckDigit(first10);
    if (k !== undefined) return first10 + k;
  }
}

/** A valid KID of `length` characters (2–25) under `algorithm`; a MOD11 KID may end in '-'. */
export function generateKid(length: number, algorithm: KidAlgorithm, random: RandomInt = randomInt): string {
  if (!Number.isInteger(length) || length < 2 || length > 25) throw new RangeError('a KID is 2 to 25 characters');
  const data = randomDigits(length - 1, random);
  return data + kidCheckDigit(data, algorithm);
}

/** The IBAN of a Norwegian account number: NO, two ISO 7064 mod-97 check digits, the 11 digits. */
export function accountNumberToIban(value: string): string {
  const digits = accountNumberDigits(value);
  if (digits === undefined) throw new RangeError(`not an account number: ${value}`);
  // N = 23, O = 24; the check digits are 98 − (BBAN + "NO00" as digits) mod 97.
  let rest = 0;
  for (const c of `${digits}232400`) rest = (rest * 10 + (c.charCodeAt(0) - 48)) % 97;
  return `NO${String(98 - rest).padStart(2, '0')}${digits}`;
}
