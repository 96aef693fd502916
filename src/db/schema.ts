import type { Generated } from 'kysely';

/** Row types of every table. Amounts are integers in minor units; times are ISO-8601 UTC strings. */
export interface SettingsTable {
  key: string;
  value: string;
}

export interface SigningKeysTable {
  kid: string;
  private_jwk: string;
  public_jwk: string;
  created_at: string;
}

export interface MerchantsTable {
  msn: string;
  name: string;
  country: string;
  client_id: string;
  client_secret: string;
  subscription_key: string;
  /** Sales-unit permissions that real MT grants per merchant (skip landing page, long-living payments). */
  allow_skip_landing_page: number;
  allow_long_living: number;
  created_at: string;
}

export interface TestUsersTable {
  phone_number: string;
  sub: string;
  given_name: string;
  family_name: string;
  email: string;
  nin: string;
  birth_date: string;
  street_address: string;
  postal_code: string;
  city: string;
  country: string;
  created_at: string;
}

export interface EpaymentPaymentsTable {
  msn: string;
  reference: string;
  /** The whole domain object as JSON: the domain owns its shape, the table indexes what queries need. */
  state: string;
  expires_at: string;
  redirect_token: string;
  /** Number of events in the log: the next event's seq. */
  event_count: number;
  document: string;
  created_at: string;
  updated_at: string;
}

export interface EpaymentEventsTable {
  msn: string;
  reference: string;
  seq: number;
  name: string;
  document: string;
}

export interface IdempotencyKeysTable {
  msn: string;
  operation: string;
  reference: string;
  idempotency_key: string;
  request_hash: string;
  status: number;
  body: string;
  created_at: string;
}

export interface Database {
  settings: SettingsTable;
  signing_keys: SigningKeysTable;
  merchants: MerchantsTable;
  test_users: TestUsersTable;
  epayment_payments: EpaymentPaymentsTable;
  epayment_events: EpaymentEventsTable;
  idempotency_keys: IdempotencyKeysTable;
}

// Kept for later tables with generated keys; re-exported so stores can type them.
export type { Generated };
