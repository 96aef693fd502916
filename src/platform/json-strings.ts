/**
 * JSON numbers where a request schema wants a string, read with their exact digits.
 *
 * Vipps' own Postman collections put `{{reference}}` (19 digits) and `{{internationalMobileNumber}}`
 * into bodies without quotes, and the real ePayment API binds such a number to its string field.
 * `JSON.parse` would round a 19-digit number to the nearest double before anyone could make a
 * string of it, so a route that needs this declares it (`numbersAsStrings(schema)` in the route's
 * config, read by the JSON body parser) and the body is parsed twice only when a number actually
 * sits where the schema wants a string: first with `JSON.parse`, and then, for that rare body, with
 * lossless-json, keeping the number's text as written. The other direction never happens: a string
 * where a number belongs stays a string, and validation refuses it.
 */
import type { TSchema } from '@sinclair/typebox';
import { isLosslessNumber, parse as parseLossless, type LosslessNumber } from 'lossless-json';

/** What a schema expects at one place of a body: where strings go, and what lies below. */
interface Plan {
  /** A string belongs here (and no number does): a number found here becomes its digits. */
  string: boolean;
  properties?: Map<string, Plan>;
  /** `properties` as an array, for the check that runs on every body. */
  fields?: Array<[string, Plan]>;
  /** Array items. */
  items?: Plan;
  /** Values of a record (patternProperties / additionalProperties schemas). */
  values?: Plan;
}

type JsonSchema = TSchema & {
  const?: unknown;
  enum?: unknown[];
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema | JsonSchema[];
  patternProperties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
};

const types = (s: JsonSchema): string[] => (s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type]);

function merge(a: Plan | undefined, b: Plan | undefined): Plan | undefined {
  if (!a) return b;
  if (!b) return a;
  const properties = new Map(a.properties);
  for (const [k, v] of b.properties ?? []) properties.set(k, merge(properties.get(k), v)!);
  return {
    string: a.string || b.string,
    ...(properties.size ? { properties } : {}),
    ...(a.items || b.items ? { items: merge(a.items, b.items)! } : {}),
    ...(a.values || b.values ? { values: merge(a.values, b.values)! } : {}),
  };
}

/** Whether some branch of the schema already takes a number here (then a number is left alone). */
function takesNumber(s: JsonSchema): boolean {
  if (types(s).some((t) => t === 'number' || t === 'integer')) return true;
  return [...(s.anyOf ?? []), ...(s.oneOf ?? [])].some(takesNumber);
}

function planOf(s: JsonSchema): Plan | undefined {
  let plan: Plan | undefined;
  const t = types(s);
  // A string of fixed values (a literal, an enum) never matches a number's digits: left out.
  if (t.includes('string') && !takesNumber(s) && s.const === undefined && s.enum === undefined) plan = { string: true };
  if (s.properties) {
    const properties = new Map<string, Plan>();
    for (const [name, child] of Object.entries(s.properties)) {
      const p = planOf(child);
      if (p) properties.set(name, p);
    }
    if (properties.size) plan = merge(plan, { string: false, properties });
  }
  if (s.items && !Array.isArray(s.items)) {
    const items = planOf(s.items);
    if (items) plan = merge(plan, { string: false, items });
  }
  for (const child of [...Object.values(s.patternProperties ?? {}), ...(typeof s.additionalProperties === 'object' ? [s.additionalProperties] : [])]) {
    const values = planOf(child);
    if (values) plan = merge(plan, { string: false, values });
  }
  for (const branch of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) plan = merge(plan, planOf(branch));
  if (plan?.string && takesNumber(s)) plan = { ...plan, string: false };
  return plan;
}

/** Gives every node its `fields` array (after merging, which makes new nodes). */
function finalize(plan: Plan): Plan {
  for (const child of plan.properties?.values() ?? []) finalize(child);
  if (plan.properties) plan.fields = [...plan.properties];
  if (plan.items) finalize(plan.items);
  if (plan.values) finalize(plan.values);
  return plan;
}

/** Whether `value` (as JSON.parse made it) has a number anywhere the plan wants a string. */
function numberWhereString(value: unknown, plan: Plan): boolean {
  if (typeof value === 'number') return plan.string;
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    if (!plan.items) return false;
    for (const item of value) if (numberWhereString(item, plan.items)) return true;
    return false;
  }
  const fields = plan.fields;
  if (fields) {
    for (let i = 0; i < fields.length; i += 1) {
      const [name, child] = fields[i]!;
      const v = (value as Record<string, unknown>)[name];
      // Schema field names are never Object.prototype's, so a plain read finds only own fields.
      if (v !== undefined && (typeof v === 'number' ? child.string : typeof v === 'object' && numberWhereString(v, child))) return true;
    }
  }
  if (plan.values) {
    for (const v of Object.values(value)) if (numberWhereString(v, plan.values)) return true;
  }
  return false;
}

/**
 * The lossless parse turned into what JSON.parse gives, except that a number where the plan wants
 * a string becomes its text as written. Changes the parsed tree in place (its objects are new).
 */
function settle(value: unknown, plan: Plan | undefined): unknown {
  if (isLosslessNumber(value)) {
    const n = value as LosslessNumber;
    return plan?.string ? n.value : Number(n.value);
  }
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) value[i] = settle(value[i], plan?.items);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const name of Object.keys(record)) {
    const child = plan?.properties?.get(name) ?? plan?.values;
    // defineProperty: a key named __proto__ stays an own property, as JSON.parse makes it.
    Object.defineProperty(record, name, { value: settle(record[name], child), writable: true, enumerable: true, configurable: true });
  }
  return record;
}

/** Re-reads a parsed body: called with what JSON.parse gave and the text it came from. */
export type BodyReader = (parsed: unknown, text: string) => unknown;

/**
 * For a route's config: the body's string fields (as `schema` types them) also take a JSON number,
 * kept as the digits that were sent. A body without such a number costs one walk of the fields that
 * want strings; only a body with one is parsed again.
 */
export function numbersAsStrings(schema: TSchema): BodyReader {
  const found = planOf(schema as JsonSchema);
  if (!found) return (parsed) => parsed;
  const plan = finalize(found);
  // The last of duplicate keys wins, as with JSON.parse (lossless-json would throw).
  const options = { onDuplicateKey: ({ newValue }: { newValue: unknown }) => newValue };
  return (parsed, text) => (numberWhereString(parsed, plan) ? settle(parseLossless(text, null, options), plan) : parsed);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by routes whose body may carry numbers in string fields (see src/platform/json-strings.ts). */
    readJsonBody?: BodyReader;
  }
}
