/**
 * Loads an official OpenAPI 3.0 spec (../shared/specs) and validates bodies against it with Ajv.
 *
 * OpenAPI 3.0 schemas are not JSON Schema: `nullable`, `x-*` vendor keys, `example`, object-valued
 * `examples`, `discriminator`, descriptive `format` strings and sibling keys next to `$ref` must be
 * translated or dropped first. This loader converts `components/schemas` of the spec (and of every
 * document it `$ref`s: relative files beside the spec, or URLs mapped to local files) into one Ajv
 * schema per document with `$defs`, so that `$ref`s resolve offline.
 *
 * Known errors in a spec are corrected by explicit, documented patches (`knownSpecErrors`); a patch
 * that no longer matches the spec throws, so a fixed spec makes the test say "remove the patch".
 *
 * Reusable for every API: `OpenApiSpec.load(file, options)` → `spec.response(operationId, status)`
 * → `validate(body)`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/**
 * A correction of a documented mistake in the spec. Either on one named component schema's
 * `required` list, or a replacement of the value at a JSON pointer (which must currently hold
 * `expected`). Each is checked against the spec: a patch that no longer matches throws.
 */
export type KnownSpecError =
  | {
      /** Name under components/schemas. */
      schema: string;
      /** Remove these names from `required` (e.g. a required property that no real response has). */
      dropRequired?: string[];
      /** Add these names to `required`. */
      addRequired?: string[];
      /** Why: meant to be read in the test. */
      reason: string;
    }
  | {
      /** JSON pointer into the document, e.g. `/components/schemas/Charge/properties/id/pattern`. */
      pointer: string;
      expected: Json;
      replacement: Json;
      reason: string;
    };

export interface LoadOptions {
  /** External documents by URL (without `#fragment`) → local file. Relative refs resolve beside the spec. */
  externalDocuments?: Record<string, string>;
  knownSpecErrors?: KnownSpecError[];
}

export interface ValidateOptions {
  /**
   * Treat objects that list `properties` (and say nothing about `additionalProperties`) as closed,
   * so undeclared fields are reported. OpenAPI leaves them open; closed mode finds typos and leaks.
   */
  closed?: boolean;
}

export interface Operation {
  operationId: string;
  method: string;
  /** Path template, e.g. `/epayment/v1/payments/{reference}`. */
  path: string;
  /** Declared response status keys (`'200'`, `'4XX'`, `'default'`, ...). */
  statuses: string[];
  matches(method: string, urlPath: string): boolean;
}

export interface ResponseSpec {
  operationId: string;
  status: number;
  /** False when the spec does not list this status and a fallback schema was used. */
  declared: boolean;
  /** Declared media types, in spec order (empty: no body). */
  mediaTypes: string[];
  /** `#/components/schemas/...` style pointer of the schema used, or undefined when there is no body. */
  schemaRef: string | undefined;
  validate(body: unknown, options?: ValidateOptions): ErrorObject[];
}

interface RequestSpec {
  operationId: string;
  mediaTypes: string[];
  validate(body: unknown, options?: ValidateOptions): ErrorObject[];
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Keys of an OpenAPI schema object that are not JSON Schema (or mean something else there). */
const DROPPED_KEYS = new Set(['example', 'examples', 'discriminator', 'xml', 'externalDocs', 'nullable']);

export class OpenApiSpec {
  readonly operations: Operation[];
  /** Descriptive `format` values dropped because no validator knows them (e.g. "IATA 2-letter airline code"). */
  readonly droppedFormats = new Set<string>();
  private readonly documents = new Map<string, JsonObject>(); // id → converted { $id, $defs }
  private readonly rawDocuments = new Map<string, JsonObject>(); // id → parsed YAML
  private readonly ajvOpen: Ajv;
  private readonly ajvClosed: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly rootId: string;

  private constructor(
    private readonly file: string,
    private readonly options: LoadOptions,
  ) {
    this.rootId = pathToFileURL(path.resolve(file)).href;
    this.ajvOpen = newAjv();
    this.ajvClosed = newAjv();
    this.loadDocument(this.rootId, path.resolve(file));
    this.applyKnownErrors();
    for (const closed of [false, true]) {
      const ajv = closed ? this.ajvClosed : this.ajvOpen;
      for (const [id, raw] of this.rawDocuments) ajv.addSchema(this.convertDocument(id, raw, closed), id);
    }
    this.operations = collectOperations(this.root);
  }

  static load(file: string, options: LoadOptions = {}): OpenApiSpec {
    return new OpenApiSpec(file, options);
  }

  private get root(): JsonObject {
    return this.rawDocuments.get(this.rootId)!;
  }

  operation(operationId: string): Operation {
    const op = this.operations.find((o) => o.operationId === operationId);
    if (!op) throw new Error(`${this.file}: no operation ${operationId}`);
    return op;
  }

  /** The operation a request hits, by method and concrete URL path (`/x/v1/payments/abc`). */
  findOperation(method: string, urlPath: string): Operation | undefined {
    const candidates = this.operations.filter((o) => o.matches(method, urlPath));
    // Prefer the most literal template: `/payments/{ref}/events` over `/payments/{ref}` never clash,
    // but `/test/payments/{ref}/approve` vs a templated segment could.
    return candidates.sort((a, b) => templateParams(a.path) - templateParams(b.path))[0];
  }

  /**
   * The response definition for (operation, status). When the status is not declared, `fallback`
   * (a components/schemas name, e.g. "Problem") is used for 4xx/5xx and `declared` is false.
   */
  response(operationId: string, status: number, options: { fallback?: string } = {}): ResponseSpec {
    const op = this.operation(operationId);
    const operationObject = (this.root.paths as JsonObject)[op.path] as JsonObject;
    const responses = ((operationObject[op.method] as JsonObject).responses ?? {}) as JsonObject;
    const key = [String(status), `${String(status)[0]}XX`, `${String(status)[0]}xx`, 'default'].find((k) => k in responses);
    if (key === undefined) {
      if (status >= 400 && options.fallback) {
        const ref = `#/components/schemas/${options.fallback}`;
        return this.responseSpec(op, status, false, ['application/problem+json'], ref);
      }
      throw new Error(`${this.file}: ${operationId} declares no response ${status} (declared: ${op.statuses.join(', ')})`);
    }
    const response = this.deref(responses[key] as JsonObject);
    const content = (response.content ?? {}) as JsonObject;
    const mediaTypes = Object.keys(content);
    const withSchema = mediaTypes.find((m) => (content[m] as JsonObject).schema !== undefined);
    if (withSchema === undefined) return this.responseSpec(op, status, true, mediaTypes, undefined);
    return this.responseSpec(op, status, true, mediaTypes, this.schemaPointer((content[withSchema] as JsonObject).schema as JsonObject, `${operationId}/${key}`));
  }

  /** The request body definition of an operation (JSON media type). */
  request(operationId: string): RequestSpec {
    const op = this.operation(operationId);
    const operationObject = ((this.root.paths as JsonObject)[op.path] as JsonObject)[op.method] as JsonObject;
    if (!operationObject.requestBody) throw new Error(`${this.file}: ${operationId} has no request body`);
    const body = this.deref(operationObject.requestBody as JsonObject);
    const content = (body.content ?? {}) as JsonObject;
    const mediaTypes = Object.keys(content);
    const json = mediaTypes.find((m) => /json/.test(m)) ?? mediaTypes[0];
    const schema = json === undefined ? undefined : ((content[json] as JsonObject).schema as JsonObject | undefined);
    if (!schema) throw new Error(`${this.file}: ${operationId} request body has no schema`);
    const ref = this.schemaPointer(schema, `${operationId}/request`);
    return { operationId, mediaTypes, validate: (value, o) => this.run(ref, value, o) };
  }

  /** Validates a value against a named component schema. */
  validateSchema(name: string, value: unknown, options?: ValidateOptions): ErrorObject[] {
    return this.run(`#/components/schemas/${name}`, value, options);
  }

  private responseSpec(op: Operation, status: number, declared: boolean, mediaTypes: string[], schemaRef: string | undefined): ResponseSpec {
    return {
      operationId: op.operationId,
      status,
      declared,
      mediaTypes,
      schemaRef,
      validate: (body, o) => {
        if (schemaRef !== undefined) return this.run(schemaRef, body, o);
        // No content declared: there must be no body.
        const empty = body === undefined || body === null || body === '';
        return empty ? [] : [{ instancePath: '', schemaPath: '#', keyword: 'noContent', params: {}, message: 'the spec declares no body for this response' }];
      },
    };
  }

  /**
   * A validatable pointer for an inline or `$ref` schema of an operation. Inline schemas are added
   * to the root document under a synthetic name.
   */
  private schemaPointer(schema: JsonObject, name: string): string {
    if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#/components/schemas/')) return schema.$ref;
    const synthetic = `__inline/${name}`;
    for (const closed of [false, true]) {
      const ajv = closed ? this.ajvClosed : this.ajvOpen;
      const id = `${this.rootId}/${encodeURIComponent(synthetic)}`;
      if (!ajv.getSchema(id)) {
        const converted = this.convertSchema(schema, this.rootId, this.rootId, closed) as JsonObject;
        ajv.addSchema({ ...converted, $id: id }, id);
      }
    }
    return `inline:${synthetic}`;
  }

  private run(ref: string, value: unknown, options: ValidateOptions = {}): ErrorObject[] {
    const closed = options.closed === true;
    const cacheKey = `${closed}:${ref}`;
    let validate = this.compiled.get(cacheKey);
    if (!validate) {
      const ajv = closed ? this.ajvClosed : this.ajvOpen;
      const id = ref.startsWith('inline:') ? `${this.rootId}/${encodeURIComponent(ref.slice('inline:'.length))}` : `${this.rootId}${toDefs(ref)}`;
      validate = ajv.getSchema(id) ?? ajv.compile({ $ref: id });
      this.compiled.set(cacheKey, validate);
    }
    return validate(value) ? [] : [...(validate.errors ?? [])];
  }

  /** Follows a local `$ref` to components/responses, requestBodies, ... of the root document. */
  private deref(node: JsonObject): JsonObject {
    let current = node;
    for (let i = 0; i < 10 && typeof current.$ref === 'string'; i++) {
      const ref = current.$ref;
      if (!ref.startsWith('#/')) throw new Error(`${this.file}: non-local ${ref} outside schemas is not supported`);
      current = pointer(this.root, ref.slice(1)) as JsonObject;
    }
    return current;
  }

  private loadDocument(id: string, file: string) {
    if (this.rawDocuments.has(id)) return;
    if (!existsSync(file)) throw new Error(`OpenAPI document ${file} (for ${id}) not found`);
    const raw = parseYaml(readFileSync(file, 'utf8')) as JsonObject;
    this.rawDocuments.set(id, raw);
    // Find external documents whose schemas are referred to, and load them too.
    for (const ref of collectRefs(raw)) {
      const target = ref.split('#')[0]!;
      if (target === '') continue;
      const { id: externalId, file: externalFile } = this.locate(target, file);
      this.loadDocument(externalId, externalFile);
    }
  }

  /** Where an external `$ref` target lives: a mapped URL or a path relative to the referring file. */
  private locate(target: string, referringFile: string): { id: string; file: string } {
    const mapped = this.options.externalDocuments?.[target];
    if (mapped) return { id: pathToFileURL(path.resolve(mapped)).href, file: path.resolve(mapped) };
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
      throw new Error(`${this.file}: external $ref ${target} is not mapped to a local file (LoadOptions.externalDocuments)`);
    }
    const file = path.resolve(path.dirname(referringFile), target);
    return { id: pathToFileURL(file).href, file };
  }

  private applyKnownErrors() {
    const schemas = ((this.root.components as JsonObject | undefined)?.schemas ?? {}) as JsonObject;
    for (const fix of this.options.knownSpecErrors ?? []) {
      if ('pointer' in fix) {
        const parts = fix.pointer.split('/').slice(1);
        const key = parts.pop();
        const parent = key === undefined ? undefined : (pointer(this.root, `/${parts.join('/')}`) as JsonObject);
        if (!parent || key === undefined || JSON.stringify(parent[key]) !== JSON.stringify(fix.expected)) {
          throw new Error(`known spec error at ${fix.pointer}: the spec no longer holds ${JSON.stringify(fix.expected)}; remove the patch (${fix.reason})`);
        }
        parent[key] = fix.replacement;
        continue;
      }
      const schema = schemas[fix.schema] as JsonObject | undefined;
      if (!schema) throw new Error(`known spec error for ${fix.schema}: the spec has no such schema any more; remove the patch (${fix.reason})`);
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      for (const name of fix.dropRequired ?? []) {
        if (!required.includes(name)) throw new Error(`known spec error for ${fix.schema}: "${name}" is no longer required; remove the patch (${fix.reason})`);
      }
      for (const name of fix.addRequired ?? []) {
        if (required.includes(name)) throw new Error(`known spec error for ${fix.schema}: "${name}" is already required; remove the patch (${fix.reason})`);
      }
      const next = [...required.filter((n) => !(fix.dropRequired ?? []).includes(n)), ...(fix.addRequired ?? [])];
      if (next.length) schema.required = next;
      else delete schema.required;
    }
  }

  private convertDocument(id: string, raw: JsonObject, closed: boolean): JsonObject {
    const schemas = ((raw.components as JsonObject | undefined)?.schemas ?? {}) as JsonObject;
    const $defs: JsonObject = {};
    for (const [name, schema] of Object.entries(schemas)) $defs[name] = this.convertSchema(schema, id, id, closed);
    return { $id: id, $defs };
  }

  /** OpenAPI 3.0 Schema Object → JSON Schema (draft-07 as Ajv runs it). */
  private convertSchema(node: Json, docId: string, rootId: string, closed: boolean): Json {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return node;
    if (typeof node.$ref === 'string') {
      // OpenAPI 3.0 ignores siblings of $ref; so do we (except `nullable`, commonly meant literally).
      const ref = { $ref: this.rewriteRef(node.$ref, docId) } as JsonObject;
      return node.nullable === true ? { anyOf: [ref, { type: 'null' }] } : ref;
    }
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith('x-') || DROPPED_KEYS.has(key)) continue;
      switch (key) {
        case 'properties':
        case 'patternProperties': {
          const props: JsonObject = {};
          for (const [name, schema] of Object.entries(value as JsonObject)) props[name] = this.convertSchema(schema, docId, rootId, closed);
          out[key] = props;
          break;
        }
        case 'items':
        case 'additionalProperties':
        case 'not':
          out[key] = typeof value === 'boolean' ? value : this.convertSchema(value, docId, rootId, closed);
          break;
        case 'allOf':
        case 'anyOf':
        case 'oneOf':
          out[key] = (value as Json[]).map((s) => this.convertSchema(s, docId, rootId, closed));
          break;
        case 'format':
          if (typeof value === 'string' && KNOWN_FORMATS.has(value)) out.format = value;
          else this.droppedFormats.add(String(value));
          break;
        default:
          out[key] = value;
      }
    }
    // OpenAPI 3.0 (like draft-04) writes exclusive bounds as booleans next to minimum/maximum.
    for (const [exclusive, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
      if (typeof out[exclusive] !== 'boolean') continue;
      if (out[exclusive] === true && typeof out[bound] === 'number') {
        out[exclusive] = out[bound];
        delete out[bound];
      } else delete out[exclusive];
    }
    if (node.nullable === true) {
      if (typeof out.type === 'string') out.type = [out.type, 'null'];
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
      if (out.type === undefined) return { anyOf: [out, { type: 'null' }] };
    }
    const composed = out.allOf !== undefined || out.anyOf !== undefined || out.oneOf !== undefined;
    if (closed && out.properties !== undefined && out.additionalProperties === undefined && !composed) out.additionalProperties = false;
    return out;
  }

  /** `#/components/schemas/X` → `<doc>#/$defs/X`; `other.yaml#/components/schemas/X` → `<file url>#/$defs/X`. */
  private rewriteRef(ref: string, docId: string): string {
    const [target = '', fragment = ''] = ref.split('#');
    const base = target === '' ? docId : this.locate(target, new URL(docId).pathname).id;
    return `${base}${toDefs(`#${fragment}`)}`;
  }
}

/** Formats ajv-formats validates; any other `format` in a spec is descriptive text and is dropped. */
const KNOWN_FORMATS = new Set<string>([
  'date', 'time', 'date-time', 'iso-time', 'iso-date-time', 'duration', 'uri', 'uri-reference', 'uri-template', 'url',
  'email', 'hostname', 'ipv4', 'ipv6', 'regex', 'uuid', 'json-pointer', 'json-pointer-uri-fragment',
  'relative-json-pointer', 'byte', 'int32', 'int64', 'float', 'double', 'password', 'binary',
]);

function newAjv(): Ajv {
  // Strict about keywords (a leftover OpenAPI keyword is a loader bug); not about the specs' own typing sloppiness
  // (e.g. `pattern` on an integer in eCom) or required-but-undeclared properties (reported at validation instead).
  const ajv = new Ajv({ strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true, allErrors: true, validateFormats: true });
  ajvFormats.default(ajv, { mode: 'full' });
  return ajv;
}

function toDefs(fragmentWithHash: string): string {
  return fragmentWithHash.replace(/^#\/components\/schemas\//, '#/$defs/');
}

function pointer(doc: Json, p: string): Json {
  let current: Json = doc;
  for (const raw of p.split('/').slice(1)) {
    const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof current !== 'object' || current === null || !(part in (current as JsonObject))) throw new Error(`unresolvable pointer ${p}`);
    current = (current as JsonObject)[part]!;
  }
  return current;
}

/**
 * `$ref`s anywhere in the document that point at a schema (`...#/components/schemas/...`). Other
 * external refs (e.g. path items in another file) are not followed: operations behind them are
 * simply not listed.
 */
function collectRefs(doc: JsonObject): string[] {
  const refs: string[] = [];
  const walk = (node: Json) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && typeof v === 'string') {
          if (v.includes('#/components/schemas/')) refs.push(v);
        } else walk(v);
      }
    }
  };
  walk(doc);
  return refs;
}

function templateParams(template: string): number {
  return (template.match(/\{[^}]+\}/g) ?? []).length;
}

function collectOperations(doc: JsonObject): Operation[] {
  const ops: Operation[] = [];
  for (const [template, item] of Object.entries((doc.paths ?? {}) as JsonObject)) {
    for (const method of Object.keys(item as JsonObject).filter((m) => HTTP_METHODS.includes(m))) {
      const op = (item as JsonObject)[method] as JsonObject;
      const regex = new RegExp(`^${template.split(/\{[^}]+\}/).map(escapeRegex).join('[^/]+')}$`);
      ops.push({
        operationId: String(op.operationId ?? `${method} ${template}`),
        method,
        path: template,
        statuses: Object.keys((op.responses ?? {}) as JsonObject),
        matches: (m, urlPath) => m.toLowerCase() === method && regex.test(urlPath),
      });
    }
  }
  return ops;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One line per error, for assertion messages. */
export function formatErrors(errors: ErrorObject[]): string[] {
  return errors.map((e) => `${e.instancePath || '(root)'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
}

/** `application/problem+json; charset=utf-8` → `application/problem+json`. */
export function mediaType(contentType: string | null): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}
