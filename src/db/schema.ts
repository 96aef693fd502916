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
  /** The second key, interchangeable with the first (null only between migration 0008's two steps). */
  secondary_subscription_key: string | null;
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
  /** The create request as sent: a successful create's idempotency record (null before migration 0006). */
  create_request: string | null;
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

export interface WebhooksTable {
  id: string;
  msn: string;
  url: string;
  /** JSON array of event type names. */
  events: string;
  secret: string;
  created_at: string;
}

/**
 * One request owed to a merchant (a webhook, a callback): the transactional outbox. Each row
 * carries its own target, so the delivery engine reads no API's tables.
 */
export interface DeliveriesTable {
  id: string;
  event_id: string;
  /** The ordering channel: a webhook's id, or a pseudo id such as 'ecom-callback'. */
  webhook_id: string;
  msn: string;
  reference: string;
  /** Position of the event in its payment's log: deliveries of one channel, MSN and reference go in this order. */
  event_seq: number;
  event_type: string;
  payload: string;
  status: 'pending' | 'delivered' | 'dropped';
  attempts: number;
  next_attempt_at: string;
  /** A dispatcher holds the row until then (real time). Set when the row is written: its writer sends it. */
  lease_until: string | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
  /** Where to POST (migration 0005; every pending row has one since 0007). */
  target_url?: string | null;
  /** Extra request headers as a JSON object (e.g. the merchant's Authorization). */
  headers?: string | null;
  /** Give up after this many attempts (webhooks: retry for 7 days). */
  max_attempts?: number | null;
  /** The receiver must answer within this many ms (default: the dispatcher's). */
  timeout_ms?: number | null;
  /** Signs each attempt as the Webhooks API does (migration 0007); null: unsigned (callbacks). */
  signing_secret?: string | null;
}

export interface DeliveryAttemptsTable {
  id: string;
  delivery_id: string;
  attempt: number;
  at: string;
  source_environment: string;
  source_hostname: string;
  source_address: string;
  url: string;
  request_headers: string;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  response_body: string | null;
}

export interface RequestServerStateTable {
  environment: string;
  /** Clock time from which scheduled rotations are counted. */
  anchor: string;
  manual_rotations: number;
  down: number;
}

/** A payment request in a test user's simulated app (issue 3, the user side). */
export interface AppRequestsTable {
  msn: string;
  reference: string;
  phone_number: string;
  /** How it got there: PUSH_MESSAGE, LANDING, APP_SWITCH, QR or CONTROL_API. */
  via: string;
  sent_at: string;
}

/** An injected fault (issue 6, operations): the document is the `Fault` of src/apis/status/domain.ts. */
export interface FaultsTable {
  id: string;
  document: string;
  /** 1 until the fault is cleared. */
  active: number;
  created_at: string;
}

/** A status-page incident (opened by a fault, resolved when it is cleared). */
export interface StatusIncidentsTable {
  id: string;
  document: string;
  resolved: number;
  created_at: string;
}

/** A scheduled maintenance window; its status follows the clock. */
export interface StatusMaintenancesTable {
  id: string;
  document: string;
  scheduled_for: string;
  scheduled_until: string;
}

/** An eCom v2 payment (issue 5): the document is the `EcomPayment` of src/apis/ecom/domain.ts. */
export interface EcomPaymentsTable {
  msn: string;
  order_id: string;
  state: string;
  expires_at: string;
  token: string;
  /** Bumped on every change: optimistic concurrency on PostgreSQL. */
  version: number;
  document: string;
  created_at: string;
  updated_at: string;
}

/** eCom properties of a sales unit that Vipps sets (reserve or direct capture). */
export interface EcomMerchantSettingsTable {
  msn: string;
  direct_capture: number;
}

/** Profile sharing (src/platform/consents.ts): when a user last consented to a scope for a sales unit. */
export interface UserConsentsTable {
  msn: string;
  /** The user's sub for this sales unit. */
  sub: string;
  scope: string;
  phone_number: string;
  consented_at: string;
}

export interface Database {
  settings: SettingsTable;
  signing_keys: SigningKeysTable;
  merchants: MerchantsTable;
  test_users: TestUsersTable;
  epayment_payments: EpaymentPaymentsTable;
  epayment_events: EpaymentEventsTable;
  idempotency_keys: IdempotencyKeysTable;
  webhooks: WebhooksTable;
  deliveries: DeliveriesTable;
  delivery_attempts: DeliveryAttemptsTable;
  request_server_state: RequestServerStateTable;
  app_requests: AppRequestsTable;
  faults: FaultsTable;
  status_incidents: StatusIncidentsTable;
  status_maintenances: StatusMaintenancesTable;
  ecom_payments: EcomPaymentsTable;
  ecom_merchant_settings: EcomMerchantSettingsTable;
  user_consents: UserConsentsTable;
}

// Kept for later tables with generated keys; re-exported so stores can type them.
export type { Generated };
