/**
 * Profile sharing: the consents test users give sales units while approving a payment that asks
 * for profile scopes (ePayment `profile.scope`, eCom `transaction.scope`), and the `sub` a sales
 * unit knows a user by. This is where the payment APIs and the Userinfo API meet (they never import
 * each other): a payment API grants consent inside its approving command's transaction, and the
 * Userinfo API reads what was granted. The platform owns the table (`user_consents`).
 */
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database, UserConsentsTable } from '../db/schema.js';
import type { TestUser } from './test-users.js';

type Db = Kysely<Database> | Transaction<Database>;

/** The scopes a payment may ask for (the Userinfo API's claims follow from them). */
export const PROFILE_SCOPES = ['name', 'email', 'phoneNumber', 'birthDate', 'address', 'nin', 'accountNumbers'] as const;
export type ProfileScope = (typeof PROFILE_SCOPES)[number];

const isProfileScope = (s: string): s is ProfileScope => (PROFILE_SCOPES as readonly string[]).includes(s);

/** The scopes of a space-separated scope string (unknown words and `openid` left out). */
export const scopesOf = (scope: string): ProfileScope[] => [...new Set(scope.split(/\s+/).filter(isProfileScope))];

/** One user's consent to one sales unit: when each scope was last granted. */
export interface Consent {
  msn: string;
  sub: string;
  phoneNumber: string;
  scopes: Partial<Record<ProfileScope, string>>;
}

/**
 * The `sub` a sales unit knows a user by: a UUID, one per user per MSN (so one merchant's `sub`
 * means nothing with another's keys), the same on every consent, and new when the test user is
 * deleted and made again (the user's own id is then new). Pure: derived, never stored first.
 */
export function subjectOf(msn: string, user: Pick<TestUser, 'sub'>): string {
  // Every approve asks (the payment may carry a profile scope): derived once per user and sales unit.
  const key = `${msn}:${user.sub}`;
  const known = subjects.get(key);
  if (known !== undefined) return known;
  const sub = deriveSubject(msn, user.sub);
  if (subjects.size >= 1_000) subjects.clear();
  subjects.set(key, sub);
  return sub;
}

const subjects = new Map<string, string>();

function deriveSubject(msn: string, userSub: string): string {
  const h = createHash('sha256').update(`vipps-devkit:sub:${msn}:${userSub}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50; // a name-based UUID (version 5 layout)
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface Grant {
  msn: string;
  user: Pick<TestUser, 'sub' | 'phoneNumber'>;
  /** Space-separated, as the payment asked (`name phoneNumber address`). */
  scope: string;
  at: Date;
}

export class ConsentStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** The user's `sub` for a sales unit (see `subjectOf`). */
  subject(msn: string, user: Pick<TestUser, 'sub'>): string {
    return subjectOf(msn, user);
  }

  /**
   * Records the user's consent to the scopes, inside the approving command's transaction; each
   * scope's time is the latest consent to it (the Userinfo API's 168-hour window starts there).
   * Returns the user's `sub` for the sales unit.
   */
  async grant(trx: Transaction<Database>, g: Grant): Promise<string> {
    const sub = subjectOf(g.msn, g.user);
    const at = g.at.toISOString();
    for (const scope of scopesOf(g.scope)) {
      const row: UserConsentsTable = { msn: g.msn, sub, scope, phone_number: g.user.phoneNumber, consented_at: at };
      await trx
        .insertInto('user_consents')
        .values(row)
        .onConflict((oc) => oc.columns(['msn', 'sub', 'scope']).doUpdateSet({ phone_number: row.phone_number, consented_at: at }))
        .execute();
    }
    return sub;
  }

  /** Every sales unit's consent under this `sub` (one at most, unless two MSNs' subs collide: never). */
  async bySub(sub: string, db: Db = this.db): Promise<Consent[]> {
    const rows = await db.selectFrom('user_consents').selectAll().where('sub', '=', sub).orderBy('msn').execute();
    const byMsn = new Map<string, Consent>();
    for (const r of rows) {
      let c = byMsn.get(r.msn);
      if (!c) byMsn.set(r.msn, (c = { msn: r.msn, sub: r.sub, phoneNumber: r.phone_number, scopes: {} }));
      if (isProfileScope(r.scope)) c.scopes[r.scope] = r.consented_at;
    }
    return [...byMsn.values()];
  }

  /**
   * The user withdraws every consent given to the sales unit (the app's "remove consent"), inside
   * the caller's command. Returns the scopes that were consented.
   */
  async revoke(trx: Transaction<Database>, msn: string, sub: string): Promise<string[]> {
    const rows = await trx.selectFrom('user_consents').select('scope').where('msn', '=', msn).where('sub', '=', sub).execute();
    await trx.deleteFrom('user_consents').where('msn', '=', msn).where('sub', '=', sub).execute();
    return rows.map((r) => r.scope);
  }

  /** Reset: every consent, or one sales unit's. */
  async clear(trx: Transaction<Database>, msn?: string): Promise<void> {
    let q = trx.deleteFrom('user_consents');
    if (msn !== undefined) q = q.where('msn', '=', msn);
    await q.execute();
  }
}
