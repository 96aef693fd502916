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
  /**
   * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. As a key it is appended
   * to its indexes instead of landing on a random B-tree page (the outbox's rows and attempts).
   */
  uuidv7: (): string => {
    const b = pooledRandom(16);
    b.writeUIntBE(Date.now(), 0, 6);
    b[6] = (b[6]! & 0x0f) | 0x70;
    b[8] = (b[8]! & 0x3f) | 0x80;
    const h = b.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  },
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
