/**
 * What the Userinfo API answers for a consent: the claims of the consented scopes, from the test
 * user's profile as it is now (UI-G: "returned as it is at fetch time"). Pure: the user, the consent
 * and the instant come in.
 */
import { createHash } from 'node:crypto';
import type { Consent, ProfileScope } from '../../platform/consents.js';
import type { TestUser } from '../../platform/test-users.js';
import type { Userinfo } from './schemas.js';

/** Payment flows may fetch the data for 168 hours after consent; then the values read "[Expired]". */
export const DATA_WINDOW_MS = 168 * 60 * 60 * 1000;
export const EXPIRED = '[Expired]';

export const SUB_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Which sales unit's consent answers a sub asked for by `msn`: its own, another's (403), or none (404). */
export function consentFor(msn: string, consents: readonly Consent[]): { ok: true; consent: Consent } | { ok: false; reason: 'foreign' | 'unknown' } {
  const own = consents.find((c) => c.msn === msn);
  if (own) return { ok: true, consent: own };
  return { ok: false, reason: consents.length > 0 ? 'foreign' : 'unknown' };
}

/** A fictional Norwegian account number (11 digits, valid mod-11 control digit), fixed per user. */
export function accountNumberOf(user: Pick<TestUser, 'sub'>): string {
  const h = createHash('sha256').update(`account:${user.sub}`).digest();
  for (let i = 0; ; i += 1) {
    const digits = [9, 7, 1, 0, ...Array.from({ length: 6 }, (_, k) => h[(i + k) % h.length]! % 10)];
    const sum = digits.reduce((acc, d, k) => acc + d * [5, 4, 3, 2, 7, 6, 5, 4, 3, 2][k]!, 0);
    const control = 11 - (sum % 11);
    if (control === 10) continue;
    return `${digits.join('')}${control === 11 ? 0 : control}`;
  }
}

/** The claims of the consented scopes; a scope consented more than 168 hours ago reads "[Expired]". */
export function claimsOf(sub: string, user: TestUser, consent: Consent, now: Date): Userinfo {
  const claims: Userinfo = { sub };
  const live = (scope: ProfileScope): boolean | undefined => {
    const at = consent.scopes[scope];
    return at === undefined ? undefined : now.getTime() - Date.parse(at) < DATA_WINDOW_MS;
  };
  const v = (ok: boolean, value: string) => (ok ? value : EXPIRED);
  const name = live('name');
  if (name !== undefined) {
    claims.name = v(name, `${user.givenName} ${user.familyName}`);
    claims.given_name = v(name, user.givenName);
    claims.family_name = v(name, user.familyName);
  }
  const email = live('email');
  if (email !== undefined) {
    claims.email = v(email, user.email);
    // MT's test users count as verified (reference C: verification only through a Login flow).
    if (email) claims.email_verified = true;
  }
  const phone = live('phoneNumber');
  if (phone !== undefined) claims.phone_number = v(phone, user.phoneNumber);
  const birthDate = live('birthDate');
  if (birthDate !== undefined) claims.birthdate = v(birthDate, user.birthDate);
  const nin = live('nin');
  if (nin !== undefined) claims.nin = v(nin, user.nin);
  const address = live('address');
  if (address !== undefined) {
    const a = user.address;
    claims.address = address
      ? { street_address: a.streetAddress, postal_code: a.postalCode, region: a.city, country: a.country, formatted: `${a.streetAddress}\n${a.postalCode} ${a.city}\n${a.country}`, address_type: 'home', default: true }
      : { street_address: EXPIRED, postal_code: EXPIRED, region: EXPIRED, country: EXPIRED, formatted: EXPIRED, address_type: EXPIRED };
    claims.other_addresses = [];
  }
  const accounts = live('accountNumbers');
  if (accounts !== undefined) {
    claims.accounts = [accounts ? { account_name: 'Brukskonto', account_number: accountNumberOf(user), bank_name: 'Devkit Testbank' } : { account_name: EXPIRED, account_number: EXPIRED, bank_name: EXPIRED }];
  }
  return claims;
}
