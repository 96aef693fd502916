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

/**
 * Key-sorted JSON without white space. Iterative (an explicit stack), so that no input, however
 * deep, can overflow the call stack; the output is the one a recursive walk would give.
 */
export function canonicalJson(root: unknown): string {
  let out = '';
  // Work left to do, last first: a value to write, or text (punctuation, a key) to append.
  const work: unknown[] = [root];
  const isText: boolean[] = [false];
  while (work.length > 0) {
    const item = work.pop();
    if (isText.pop()) {
      out += item as string;
      continue;
    }
    if (Array.isArray(item)) {
      out += '[';
      work.push(']');
      isText.push(true);
      for (let i = item.length - 1; i >= 0; i -= 1) {
        work.push(item[i]);
        isText.push(false);
        if (i > 0) {
          work.push(',');
          isText.push(true);
        }
      }
      continue;
    }
    if (item && typeof item === 'object') {
      // Default sort compares UTF-16 code units, the same order as `<` on strings.
      const keys = Object.keys(item).sort().filter((k) => (item as Record<string, unknown>)[k] !== undefined);
      out += '{';
      work.push('}');
      isText.push(true);
      for (let i = keys.length - 1; i >= 0; i -= 1) {
        const k = keys[i]!;
        work.push((item as Record<string, unknown>)[k]);
        isText.push(false);
        work.push(`${i > 0 ? ',' : ''}${JSON.stringify(k)}:`);
        isText.push(true);
      }
      continue;
    }
    // undefined (or a function) in an array writes nothing, as `[…].join(',')` would.
    out += JSON.stringify(item) ?? '';
  }
  return out;
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
