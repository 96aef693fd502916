/**
 * Identifier formats of settlements (reference §1.6), pure: check digits are computed the way
 * Norwegian organization numbers and bank accounts carry them (modulus 11), so that accounting
 * systems that validate them accept ours.
 */

function mod11(digits: string, weights: readonly number[]): number | undefined {
  const sum = [...digits].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  return check === 10 ? undefined : check;
}

/** Derives a valid number from a seed of digits: the first base (stepping the last digit) whose check digit exists. */
function withCheckDigit(base: string, weights: readonly number[]): string {
  for (let step = 0; step < 10; step++) {
    const b = base.slice(0, -1) + String((Number(base.slice(-1)) + step) % 10);
    const c = mod11(b, weights);
    if (c !== undefined) return b + String(c);
  }
  throw new Error('unreachable: one of ten last digits always has a check digit');
}

/** A 9-digit organization number (weights 3 2 7 6 5 4 3 2), seeded by the MSN: "9" + MSN digits. */
export const organizationNumberFor = (msn: string): string => withCheckDigit(`9${msn.padStart(7, '0').slice(-7)}`, [3, 2, 7, 6, 5, 4, 3, 2]);

/** An 11-digit BBAN (weights 5 4 3 2 7 6 5 4 3 2), seeded by the MSN: bank 1503, then MSN digits. */
export const settlementAccountFor = (msn: string): string => withCheckDigit(`1503${msn.padStart(6, '0').slice(-6)}`, [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);

export const isOrganizationNumber = (s: string): boolean => /^\d{9}$/.test(s) && mod11(s.slice(0, 8), [3, 2, 7, 6, 5, 4, 3, 2]) === Number(s[8]);
export const isBankAccount = (s: string): boolean => /^\d{11}$/.test(s) && mod11(s.slice(0, 10), [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) === Number(s[10]);

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
