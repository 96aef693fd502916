import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { prepared } from '../db/prepared.js';
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

/** Whether two request bodies are the same request (key order and white space aside). */
export const sameRequest = (a: unknown, b: unknown): boolean => canonicalJson(a ?? null) === canonicalJson(b ?? null);

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    // Default sort compares UTF-16 code units, the same order as `<` on strings.
    const keys = Object.keys(value).sort();
    let out = '';
    for (const k of keys) {
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined) continue;
      out += `${out ? ',' : ''}${JSON.stringify(k)}:${canonicalJson(v)}`;
    }
    return `{${out}}`;
  }
  return JSON.stringify(value);
}

const FIND = prepared<{ request_hash: string; status: number; body: string }>(
  'select request_hash, status, body from idempotency_keys where msn = ? and operation = ? and reference = ? and idempotency_key = ?',
);
const STORE = prepared(
  'insert into idempotency_keys (msn, operation, reference, idempotency_key, request_hash, status, body, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)',
);

/**
 * The first response to a key is stored in the same transaction as the command's effect, so a
 * replay returns exactly what the first attempt returned and repeats no side effect. 4xx
 * outcomes are stored too (a retry keeps getting the same error); 5xx never reach this store.
 */
export const idempotency = {
  async find(db: Kysely<Database> | Transaction<Database>, s: IdempotencyScope): Promise<StoredResponse | undefined> {
    const row = await FIND.first(db, [s.msn, s.operation, s.reference, s.key]);
    return row && { requestHash: row.request_hash, status: row.status, body: JSON.parse(row.body) };
  },

  async store(trx: Transaction<Database>, s: IdempotencyScope, response: StoredResponse, now: Date): Promise<void> {
    await STORE.run(trx, [s.msn, s.operation, s.reference, s.key, response.requestHash, response.status, JSON.stringify(response.body), now.toISOString()]);
  },
  /** Forgets stored responses: all, or one merchant's. */
  async clear(trx: Transaction<Database>, msn?: string): Promise<void> {
    let q = trx.deleteFrom('idempotency_keys');
    if (msn !== undefined) q = q.where('msn', '=', msn);
    await q.execute();
  },
};
