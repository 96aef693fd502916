import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler';

/**
 * Fastify's own serializer factory (fast-json-stringify), compiling each response schema on its
 * first use instead of at start-up. Every route has response schemas (the OpenAPI document is made
 * of them), and compiling all of them cost ~0.25 s of CPU per start, paid by every test that starts
 * an emulator, for routes most runs never call. The first response of a route pays its compile
 * once; after that it is the same serializer plus one check. `eager` compiles at start-up, as
 * Fastify does (a test uses it to prove that every schema compiles).
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
