import { randomBytes, randomFillSync, randomInt, randomUUID } from 'node:crypto';

// Random bytes drawn 4 KiB at a time: one call into the CSPRNG per ~170 tokens instead of one each.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function pooledRandom(bytes: number): Buffer {
  if (bytes > pool.length) return randomBytes(bytes);
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return out;
}

/** Identifier formats of the real platform, so that clients' parsers see familiar values. */
export const ids = {
  uuid: (): string => randomUUID(),
  /** Event-level pspReference: 10-digit strings in the documented examples. */
  eventPspReference: (): string => String(randomInt(1_000_000_000, 9_999_999_999)),
  /** An opaque URL-safe token (landing page links). */
  token: (bytes = 24): string => pooledRandom(bytes).toString('base64url'),
  hex: (bytes: number): string => randomBytes(bytes).toString('hex'),
  /** W3C trace-context style id, as the real API puts in Problem.traceId. */
  traceId: (): string => `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
  /** Merchant serial numbers are 4-6 digits; ours are 6. */
  msn: (): string => String(randomInt(100_000, 999_999)),
};

export type IdSource = typeof ids;
