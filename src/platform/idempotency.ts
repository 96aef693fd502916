import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

/** Which request an Idempotency-Key belongs to: keys are scoped per merchant, operation and reference. */
export interface IdempotencyScope {
  msn: string;
  operation: string;
  reference: string;
  key: string;
}

export interface StoredResponse {
  requestHash: string;
  status: number;
  body: unknown;
}

/** Hash of a request body that ignores key order and white space. */
export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body ?? null)).digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The first response to a key is stored in the same transaction as the command's effect, so a
 * replay returns exactly what the first attempt returned and repeats no side effect. 4xx
 * outcomes are stored too (a retry keeps getting the same error); 5xx never reach this store.
 */
export const idempotency = {
  async find(db: Kysely<Database> | Transaction<Database>, s: IdempotencyScope): Promise<StoredResponse | undefined> {
    const row = await db
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'status', 'body'])
      .where('msn', '=', s.msn)
      .where('operation', '=', s.operation)
      .where('reference', '=', s.reference)
      .where('idempotency_key', '=', s.key)
      .executeTakeFirst();
    return row && { requestHash: row.request_hash, status: row.status, body: JSON.parse(row.body) };
  },

  async store(trx: Transaction<Database>, s: IdempotencyScope, response: StoredResponse, now: Date): Promise<void> {
    await trx
      .insertInto('idempotency_keys')
      .values({
        msn: s.msn,
        operation: s.operation,
        reference: s.reference,
        idempotency_key: s.key,
        request_hash: response.requestHash,
        status: response.status,
        body: JSON.stringify(response.body),
        created_at: now.toISOString(),
      })
      .execute();
  },
};
