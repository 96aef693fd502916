import type { Kysely, Transaction } from 'kysely';
import type { Database, TestUsersTable } from '../db/schema.js';
import { ids } from './ids.js';

/** A Vipps user of the test environment. Test users are not tied to a merchant. */
export interface TestUser {
  phoneNumber: string;
  sub: string;
  givenName: string;
  familyName: string;
  email: string;
  nin: string;
  birthDate: string;
  address: { streetAddress: string; postalCode: string; city: string; country: string };
}

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

export class TestUsers {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inside a command pass its transaction: SQLite has one connection, held by the transaction. */
  async list(db: Kysely<Database> | Transaction<Database> = this.db): Promise<TestUser[]> {
    const rows = await db.selectFrom('test_users').selectAll().orderBy('created_at').orderBy('phone_number').execute();
    return rows.map(fromRow);
  }

  async find(phoneNumber: string, db: Kysely<Database> | Transaction<Database> = this.db): Promise<TestUser | undefined> {
    const row = await db.selectFrom('test_users').selectAll().where('phone_number', '=', phoneNumber).executeTakeFirst();
    return row && fromRow(row);
  }

  async ensureSeeded(now: Date): Promise<void> {
    const exists = await this.find(SHARED_MT_USER.phone_number);
    if (!exists) {
      await this.db.insertInto('test_users').values({ ...SHARED_MT_USER, sub: ids.uuid(), created_at: now.toISOString() }).execute();
    }
  }
}
