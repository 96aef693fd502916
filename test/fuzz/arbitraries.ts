/**
 * fast-check arbitraries from the JSON schemas (TypeBox) on the served routes: values that follow a
 * schema, values that break it in one place, and the nasty strings every input should survive.
 */
import fc from 'fast-check';

type Schema = Record<string, unknown>;

/** Strings that have broken servers: traversal, encodings, NUL and control bytes, prototype keys, long and wide text. */
export const NASTY_STRINGS = [
  '', ' ', '..', '../..', '../../../../etc/passwd', '..%2f..%2f', '%2e%2e%2f', '%00', '\u0000', 'a\u0000b', '\r\nX-Injected: 1',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '{}', '[]', 'null', 'true', '-1', '1e400', 'NaN',
  '\u202e', '\ud83d\ude00', '\ud800', 'Ω≈ç√∫', 'ﷺ', 'Z̸̢̡̛', '\uFEFF', '<script>alert(1)</script>', "'; drop table x; --", '${7*7}', '%ZZ', '%',
  'a'.repeat(257), 'x'.repeat(5_000), '9'.repeat(400),
];

export const nastyString = fc.constantFrom(...NASTY_STRINGS);

const anyString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 2, arbitrary: nastyString },
);

/** Any JSON value, with nasty strings among the strings. */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0, -1, 1e21, Number.MAX_SAFE_INTEGER, 9007199254740993, -0.5),
    anyString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(anyString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

function stringFor(s: Schema): fc.Arbitrary<string> {
  if (typeof s.const === 'string') return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as string[]));
  if (s.format === 'uuid') return fc.uuid();
  if (s.format === 'date-time') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = typeof s.maxLength === 'number' ? s.maxLength : Math.max(min, 30);
  if (typeof s.pattern === 'string') {
    try {
      return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length >= min && v.length <= max);
    } catch {
      // A pattern fast-check cannot generate from: plain strings.
    }
  }
  return fc.string({ minLength: min, maxLength: Math.min(max, 60) });
}

function numberFor(s: Schema, integer: boolean): fc.Arbitrary<number> {
  const min = typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + (integer ? 1 : 1e-9) : -1_000_000;
  const max = typeof s.maximum === 'number' ? s.maximum : typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum - (integer ? 1 : 1e-9) : 1_000_000_000;
  return integer ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

/** Values the schema accepts (as far as a generator can tell: cross-field rules are left to chance). */
export function valid(schema: unknown, depth = 0): fc.Arbitrary<unknown> {
  const s = (schema ?? {}) as Schema;
  if (depth > 8) return fc.constant(null);
  // A union; on an object, anyOf/oneOf only add cross-field rules (left to chance).
  if (s.type === undefined && Array.isArray(s.anyOf)) return fc.oneof(...(s.anyOf as unknown[]).map((x) => valid(x, depth + 1)));
  if (s.type === undefined && Array.isArray(s.oneOf)) return fc.oneof(...(s.oneOf as unknown[]).map((x) => valid(x, depth + 1)));
  if (s.const !== undefined) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  switch (s.type) {
    case 'string':
      return stringFor(s);
    case 'integer':
      return numberFor(s, true);
    case 'number':
      return numberFor(s, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const min = typeof s.minItems === 'number' ? s.minItems : 0;
      return fc.array(valid(s.items, depth + 1), { minLength: min, maxLength: Math.max(min, Math.min(typeof s.maxItems === 'number' ? s.maxItems : 4, 4)) });
    }
    case 'object': {
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      const required = new Set((s.required ?? []) as string[]);
      if (Object.keys(properties).length === 0 && s.patternProperties) {
        const [valueSchema] = Object.values(s.patternProperties as Record<string, unknown>);
        return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), valid(valueSchema, depth + 1), { maxKeys: typeof s.maxProperties === 'number' ? s.maxProperties : 3 });
      }
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(properties)) record[k] = valid(v, depth + 1);
      const requiredKeys = Object.keys(properties).filter((k) => required.has(k));
      return fc.record(record, { requiredKeys });
    }
    default:
      return anyJson;
  }
}

/** A value with one place broken: a member dropped, replaced by anything, or one added. */
export function mutated(schema: unknown): fc.Arbitrary<unknown> {
  return fc.tuple(valid(schema), fc.nat(), anyJson, anyString, fc.constantFrom('drop', 'replace', 'add', 'wrap')).map(([value, pick, replacement, key, how]) => {
    const containers: Array<Record<string, unknown> | unknown[]> = [];
    const walk = (v: unknown) => {
      if (v && typeof v === 'object') {
        containers.push(v as Record<string, unknown>);
        for (const child of Object.values(v)) walk(child);
      }
    };
    walk(value);
    if (containers.length === 0 || how === 'wrap') return how === 'wrap' ? [value] : replacement;
    const target = containers[pick % containers.length]!;
    const keys = Object.keys(target);
    const k = keys[pick % Math.max(keys.length, 1)];
    if (how === 'add' || k === undefined) (target as Record<string, unknown>)[key] = replacement;
    else if (how === 'drop') delete (target as Record<string, unknown>)[k];
    else (target as Record<string, unknown>)[k] = replacement;
    return value;
  });
}

/** Valid, broken in one place, or anything at all. */
export function bodyFor(schema: unknown): fc.Arbitrary<unknown> {
  if (!schema) return fc.oneof(fc.constant(undefined), anyJson);
  return fc.oneof({ weight: 4, arbitrary: valid(schema) }, { weight: 4, arbitrary: mutated(schema) }, { weight: 1, arbitrary: anyJson });
}
