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
    const compile = build(externalSchemas, options);
    if (eager) return compile;
    return (route) => {
      let serialize: ((doc: unknown) => string) | undefined;
      return (doc) => (serialize ??= compile(route))(doc);
    };
  };
}

type Validate = ((data: unknown) => unknown) & { errors?: unknown };

export function validatorFactory(eager: boolean): ValidatorFactory {
  const build = AjvCompiler();
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    if (eager) return compile;
    return (route) => {
      let validate: Validate | undefined;
      // Fastify reads a failed validation's errors from the function it called: pass them on.
      const lazy: Validate = (data) => {
        validate ??= compile(route) as Validate;
        const result = validate(data);
        lazy.errors = validate.errors;
        return result;
      };
      return lazy as ReturnType<typeof compile>;
    };
  };
}
