/**
 * Identifier formats of settlements (reference §1.6), pure. Organization numbers and accounts carry
 * valid modulus-11 check digits (the platform's rules, src/platform/norwegian-ids.ts), so that
 * accounting systems that validate them accept ours.
 */
import { accountNumberCheckDigit, isValidAccountNumber, isValidOrgNumber, orgNumberCheckDigit } from '../../../platform/norwegian-ids.js';

/** Derives a valid number from a seed of digits: the first base (stepping its last digit) that has a check digit. */
function withCheckDigit(base: string, checkDigit: (digits: string) => string | undefined): string {
  for (let step = 0; step < 10; step++) {
    const b = base.slice(0, -1) + String((Number(base.slice(-1)) + step) % 10);
    const c = checkDigit(b);
    if (c !== undefined) return b + c;
  }
  throw new Error('unreachable: one of ten last digits always has a check digit');
}

/** A 9-digit organization number seeded by the MSN: "9" + MSN digits. */
export const organizationNumberFor = (msn: string): string => withCheckDigit(`9${msn.padStart(7, '0').slice(-7)}`, orgNumberCheckDigit);

/** An 11-digit BBAN seeded by the MSN: bank 1503, then MSN digits. */
export const settlementAccountFor = (msn: string): string => withCheckDigit(`1503${msn.padStart(6, '0').slice(-6)}`, accountNumberCheckDigit);

export const isOrganizationNumber = (s: string): boolean => /^\d{9}$/.test(s) && isValidOrgNumber(s);
export const isBankAccount = (s: string): boolean => /^\d{11}$/.test(s) && isValidAccountNumber(s);

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID (26 Crockford base-32 characters: 48-bit time, 80 random bits), as the Report API names synthetic entries. */
export function ulid(at: Date, random: Uint8Array): string {
  let time = at.getTime();
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = CROCKFORD[time % 32]! + head;
    time = Math.floor(time / 32);
  }
  let bits = 0n;
  for (const b of random.subarray(0, 10)) bits = (bits << 8n) | BigInt(b);
  let tail = '';
  for (let i = 0; i < 16; i++) {
    tail = CROCKFORD[Number(bits & 31n)]! + tail;
    bits >>= 5n;
  }
  return head + tail;
}
