import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler';
import type { ValidatorFactory } from '@fastify/ajv-compiler';

/**
 * Fastify's own compilers (ajv for request schemas, fast-json-stringify for responses), each
 * compiling a route's schema on its first use instead of at start-up. Every route has schemas (the
 * OpenAPI document is made of them); compiling all of them cost over a second of CPU per start
 * (ajv ~1 s, serializers ~0.25 s), paid by every `serve` and every test that starts an emulator,
 * for routes most runs never call. The first request of a route pays its compile once; after
 * that it is the same function plus one check. `eager` compiles at start-up, as Fastify does (a
 * test uses it to prove that every schema compiles).
 */
export function serializerFactory(eager: boolean): SerializerFactory {
  const build = SerializerSelector();
  return (externalSchemas, options) => {
    const built = build(externalSchemas, options);
    const compile: typeof built = (route) => built({ ...route, schema: nullableForSerializer(route.schema) });
    if (eager) return compile;
    return (route) => {
      let serialize: ((doc: unknown) => string) | undefined;
      return (doc) => (serialize ??= compile(route))(doc);
    };
  };
}

/** Keywords after which a schema is more than one plain type: left as they are. */
const COMBINED = ['anyOf', 'oneOf', 'allOf', 'not', 'if', '$ref'];

/**
 * The response schema as the serializer gets it: `Nullable(X)` (`anyOf: [X, {type: 'null'}]`)
 * becomes X with `nullable: true` where X is one plain type. fast-json-stringify writes that as
 * `null` or X by a type test; an `anyOf` it writes by running Ajv on each value, and Ajv compiles
 * the route's whole schema first (the status summary's first answer spent ~150 ms of CPU there).
 * Validation and the OpenAPI document keep the schema as written (docs/decisions.md 239).
 */
export function nullableForSerializer<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map((item: unknown) => nullableForSerializer(item)) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const source = schema as Record<string | symbol, unknown>;
  const branches = source.anyOf;
  if (Array.isArray(branches) && branches.length === 2) {
    const [value, empty] = branches as Array<Record<string, unknown>>;
    if (empty?.type === 'null' && Object.keys(empty).length === 1 && value && typeof value.type === 'string' && !COMBINED.some((k) => k in value)) {
      const { anyOf: _anyOf, ...options } = source;
      return nullableForSerializer({ ...options, ...value, nullable: true }) as T;
    }
  }
  const copy: Record<string | symbol, unknown> = {};
  for (const key of Reflect.ownKeys(source)) copy[key] = typeof key === 'symbol' || key === 'enum' || key === 'const' || key === 'examples' ? source[key] : nullableForSerializer(source[key]);
  return copy as T;
}

type Validate = ((data: unknown) => unknown) & { errors?: unknown };

export function validatorFactory(eager: boolean): ValidatorFactory {
  const build = AjvCompiler();
  return (externalSchemas, options) => {
    if (eager) return build(externalSchemas, options);
    // Ajv itself (its formats, keywords and meta-schemas) is made by the first validation too.
    let compile: ReturnType<typeof build> | undefined;
    return (route) => {
      let validate: Validate | undefined;
      // Fastify reads a failed validation's errors from the function it called: pass them on.
      const lazy: Validate = (data) => {
        validate ??= (compile ??= build(externalSchemas, options))(route) as Validate;
        const result = validate(data);
        lazy.errors = validate.errors;
        return result;
      };
      return lazy as ReturnType<ReturnType<typeof build>>;
    };
  };
}
