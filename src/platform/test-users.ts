import { randomInt } from 'node:crypto';
import type { Static } from '@sinclair/typebox';
import type { Kysely, Transaction } from 'kysely';
import { prepared } from '../db/prepared.js';
import type { Database, TestUsersTable } from '../db/schema.js';
import { ids } from './ids.js';
import { generateNin, ninProblem, parseNin } from './nin.js';
import { ProblemError, problem } from './problems.js';
import type { TestUser as TestUserSchema } from './schemas.js';

/** A Vipps user of the test environment, not tied to a merchant. Its schema (src/platform/schemas.ts) is the control API's shape. */
export type TestUser = Static<typeof TestUserSchema>;

/** The historic shared MT test user that Vipps' own examples use. */
const SHARED_MT_USER = {
  phone_number: '4797777776',
  given_name: 'Willhelm Fos',
  family_name: 'Kluvstad',
  email: 'willhelm.kluvstad@example.com',
  nin: '01032300371',
  birth_date: '1923-03-01',
  street_address: 'Robert Levins gate 5',
  postal_code: '0154',
  city: 'Oslo',
  country: 'NO',
};

/**
 * The test users every new data directory gets besides the shared MT user: fictional people with
 * Norwegian addresses and valid national identity numbers (both control digits). 4791234567 is
 * the phone number the API documentation uses in its examples.
 */
const SEEDED_USERS = [
  { phone_number: '4791234567', given_name: 'Kari', family_name: 'Nordmann', nin: '15068527020', birth_date: '1985-06-15', street_address: 'Storgata 1', postal_code: '0155', city: 'Oslo' },
  { phone_number: '4746123456', given_name: 'Ola', family_name: 'Hansen', nin: '02119000141', birth_date: '1990-11-02', street_address: 'Bryggen 12', postal_code: '5003', city: 'Bergen' },
  { phone_number: '4793456789', given_name: 'Ingrid', family_name: 'Johansen', nin: '28027804839', birth_date: '1978-02-28', street_address: 'Munkegata 20', postal_code: '7011', city: 'Trondheim' },
  { phone_number: '4798765432', given_name: 'Lars', family_name: 'Berg', nin: '09090478785', birth_date: '2004-09-09', street_address: 'Kirkegata 5', postal_code: '4006', city: 'Stavanger' },
].map((u) => ({ ...u, email: `${u.given_name}.${u.family_name}@example.com`.toLowerCase(), country: 'NO' }));

/** Seeded users for tests and docs: the shared MT user first, then the others. */
export const SEEDED_TEST_USERS: ReadonlyArray<{ phoneNumber: string; nin: string; birthDate: string; givenName: string; familyName: string }> = [SHARED_MT_USER, ...SEEDED_USERS].map((u) => ({
  phoneNumber: u.phone_number,
  nin: u.nin,
  birthDate: u.birth_date,
  givenName: u.given_name,
  familyName: u.family_name,
}));

const SEED_FLAG = 'test_users_seeded';

const GIVEN_NAMES = ['Nora', 'Emma', 'Sofie', 'Ella', 'Maja', 'Jakob', 'Emil', 'Noah', 'Oliver', 'Filip', 'Aksel', 'Sara', 'Ingrid', 'Henrik', 'Sigrid', 'Magnus'];
const FAMILY_NAMES = ['Hansen', 'Johansen', 'Olsen', 'Larsen', 'Andersen', 'Pedersen', 'Nilsen', 'Kristiansen', 'Jensen', 'Karlsen', 'Haugen', 'Bakken', 'Solberg', 'Eriksen'];
const PLACES: Array<[string, string, string]> = [
  ['Karl Johans gate', '0162', 'Oslo'],
  ['Torgallmenningen', '5014', 'Bergen'],
  ['Olav Tryggvasons gate', '7011', 'Trondheim'],
  ['Kongsgårdbakken', '4005', 'Stavanger'],
  ['Storgata', '9008', 'Tromsø'],
  ['Dronningens gate', '4610', 'Kristiansand'],
];

/** What the control API may give when it creates a test user; the rest is generated. */
export interface NewTestUser {
  phoneNumber?: string;
  givenName?: string;
  familyName?: string;
  email?: string;
  nin?: string;
  birthDate?: string;
  address?: Partial<TestUser['address']>;
}

const pick = <T>(list: readonly T[]): T => list[randomInt(list.length)]!;
const ascii = (s: string) => s.toLowerCase().replace(/æ/g, 'ae').replace(/ø/g, 'o').replace(/å/g, 'a').replace(/[^a-z0-9.-]+/g, '');

const fromRow = (r: TestUsersTable): TestUser => ({
  phoneNumber: r.phone_number,
  sub: r.sub,
  givenName: r.given_name,
  familyName: r.family_name,
  email: r.email,
  nin: r.nin,
  birthDate: r.birth_date,
  address: { streetAddress: r.street_address, postalCode: r.postal_code, city: r.city, country: r.country },
});

// Read by every create with a customer phone number: prepared (src/db/prepared.ts).
const FIND = prepared<TestUsersTable>('select * from test_users where phone_number = ?');
// Read by every force approve without a customer (it approves as the first user): prepared too.
const LIST = prepared<TestUsersTable>('select * from test_users order by created_at, phone_number');

export class TestUsers {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inside a command pass its transaction: SQLite has one connection, held by the transaction. */
  async list(db: Kysely<Database> | Transaction<Database> = this.db): Promise<TestUser[]> {
    return (await LIST.all(db)).map(fromRow);
  }

  async find(phoneNumber: string, db: Kysely<Database> | Transaction<Database> = this.db): Promise<TestUser | undefined> {
    const row = await FIND.first(db, [phoneNumber]);
    return row && fromRow(row);
  }

  /**
   * Creates a test user, generating what is not given (a valid NIN matching the birth date, a
   * free Norwegian mobile number, a name, an address). Bad input is a 400 Problem, a phone number
   * that is taken a 409.
   */
  async create(input: NewTestUser, now: Date, db: Kysely<Database> | Transaction<Database> = this.db): Promise<TestUser> {
    const invalid = (name: string, reason: string) => new ProblemError({ ...problem(400, 'Invalid test user', `${name}: ${reason}`), extraDetails: [{ name, reason }] });
    let birthDate = input.birthDate;
    if (birthDate !== undefined) {
      const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate);
      const valid = d && new Date(`${birthDate}T00:00:00Z`).toISOString().slice(0, 10) === birthDate && Number(d[1]) >= 1900 && Number(d[1]) <= 2039;
      if (!valid) throw invalid('birthDate', 'must be a date YYYY-MM-DD between 1900 and 2039');
    }
    let nin = input.nin;
    if (nin !== undefined) {
      const why = ninProblem(nin);
      if (why) throw invalid('nin', `not a valid Norwegian national identity number (${why})`);
      const born = parseNin(nin)!.birthDate;
      if (birthDate !== undefined && birthDate !== born) throw invalid('birthDate', `does not match the NIN, which says ${born}`);
      birthDate = born;
    }
    if (birthDate === undefined) {
      const year = 1950 + randomInt(55);
      birthDate = new Date(Date.UTC(year, 0, 1 + randomInt(365))).toISOString().slice(0, 10);
    }
    nin ??= generateNin(birthDate);
    let phoneNumber = input.phoneNumber;
    if (phoneNumber !== undefined) {
      if (await this.find(phoneNumber, db)) throw new ProblemError(problem(409, 'Conflict', `A test user with the phone number ${phoneNumber} already exists.`));
    } else {
      do phoneNumber = `47${pick(['4', '9'])}${String(randomInt(10_000_000)).padStart(7, '0')}`;
      while (await this.find(phoneNumber, db));
    }
    const givenName = input.givenName ?? pick(GIVEN_NAMES);
    const familyName = input.familyName ?? pick(FAMILY_NAMES);
    const [street, postalCode, city] = pick(PLACES);
    const row: TestUsersTable = {
      phone_number: phoneNumber,
      sub: ids.uuid(),
      given_name: givenName,
      family_name: familyName,
      email: input.email ?? `${ascii(givenName)}.${ascii(familyName)}.${phoneNumber.slice(-4)}@example.com`,
      nin,
      birth_date: birthDate,
      street_address: input.address?.streetAddress ?? `${street} ${1 + randomInt(60)}`,
      postal_code: input.address?.postalCode ?? postalCode,
      city: input.address?.city ?? city,
      country: input.address?.country ?? 'NO',
      created_at: now.toISOString(),
    };
    await db.insertInto('test_users').values(row).execute();
    return fromRow(row);
  }

  /** Deletes a test user; false when there was none with that number. */
  async delete(phoneNumber: string, db: Kysely<Database> | Transaction<Database> = this.db): Promise<boolean> {
    const result = await db.deleteFrom('test_users').where('phone_number', '=', phoneNumber).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /**
   * The first start of a data directory (or the first after an upgrade) adds the shared MT user
   * and the other seeded users; a user deleted later is not brought back.
   */
  async ensureSeeded(now: Date): Promise<void> {
    const seeded = await this.db.selectFrom('settings').select('value').where('key', '=', SEED_FLAG).executeTakeFirst();
    if (seeded) return;
    const all = [SHARED_MT_USER, ...SEEDED_USERS];
    for (const [i, user] of all.entries()) {
      if (await this.find(user.phone_number)) continue;
      // One millisecond apart so that the list keeps this order (the MT user first).
      await this.db.insertInto('test_users').values({ ...user, sub: ids.uuid(), created_at: new Date(now.getTime() + i).toISOString() }).execute();
    }
    await this.db.insertInto('settings').values({ key: SEED_FLAG, value: now.toISOString() }).execute();
  }
}
