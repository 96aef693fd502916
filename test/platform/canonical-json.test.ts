import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, requestHash, sameRequest } from '../../src/platform/idempotency.js';

/** The recursive definition the iterative canonicalJson must agree with. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    let out = '';
    for (const k of keys) {
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined) continue;
      out += `${out ? ',' : ''}${JSON.stringify(k)}:${reference(v)}`;
    }
    return `{${out}}`;
  }
  return JSON.stringify(value) ?? '';
}

const shuffledCopy = (value: unknown, seed: number): unknown => {
  if (Array.isArray(value)) return value.map((v, i) => shuffledCopy(v, seed + i));
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    entries.sort((a, b) => ((a[0].length * 31 + seed) % 7) - ((b[0].length * 31 + seed) % 7));
    return Object.fromEntries(entries.map(([k, v]) => [k, shuffledCopy(v, seed + 1)]));
  }
  return value;
};

describe('canonical JSON (idempotency hashing)', () => {
  it('is the recursive definition: sorted keys, no white space (property)', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      expect(canonicalJson(v)).toBe(reference(v));
    }), { seed: 13, numRuns: 500 });
  });

  it('ignores key order (property)', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.nat(), (v, seed) => {
      expect(sameRequest(v, shuffledCopy(v, seed))).toBe(true);
    }), { seed: 13, numRuns: 300 });
  });

  it('keeps arrays with holes and undefined members as the recursive definition did', () => {
    for (const v of [[1, undefined, 2], { a: undefined, b: [undefined] }, [], {}, null, 'x', 0]) expect(canonicalJson(v)).toBe(reference(v));
  });

  it('hashes input 100,000 levels deep without overflowing the stack', () => {
    let arrays: unknown = [];
    let objects: unknown = {};
    for (let i = 0; i < 100_000; i += 1) {
      arrays = [arrays];
      objects = { a: objects };
    }
    expect(requestHash(arrays)).toMatch(/^[\w-]{43}$/);
    expect(requestHash(objects)).toMatch(/^[\w-]{43}$/);
    expect(sameRequest(arrays, arrays)).toBe(true);
  });
});
