import { Type } from '@sinclair/typebox';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import { describe, expect, it } from 'vitest';
import { Nullable, Timestamp } from '../../src/platform/schemas.js';
import { nullableForSerializer, serializerFactory } from '../../src/server/lazy-compilers.js';

const Body = Type.Object({
  id: Type.String(),
  note: Nullable(Type.String({ maxLength: 10 }), { description: 'a note' }),
  at: Nullable(Timestamp),
  owner: Nullable(Type.Object({ name: Type.String(), age: Nullable(Type.Integer()) })),
  tags: Nullable(Type.Array(Nullable(Type.String()))),
  either: Type.Union([Type.String(), Type.Integer()]),
});

describe('response schemas as the serializer gets them', () => {
  it('turns Nullable(X) of one plain type into X with nullable: true, leaving the schema itself as it was', () => {
    const before = JSON.stringify(Body);
    const seen = nullableForSerializer(Body) as unknown as { properties: Record<string, Record<string, unknown>> };
    expect(JSON.stringify(Body)).toBe(before);
    expect(seen.properties.note).toMatchObject({ type: 'string', maxLength: 10, nullable: true });
    expect(seen.properties.note).not.toHaveProperty('anyOf');
    expect(seen.properties.owner).toMatchObject({ type: 'object', nullable: true, properties: { age: { type: 'integer', nullable: true } } });
    expect(seen.properties.tags).toMatchObject({ type: 'array', nullable: true, items: { type: 'string', nullable: true } });
    // Not a Nullable: left as it is.
    expect(seen.properties.either).toHaveProperty('anyOf');
  });

  it('writes the same JSON as fast-json-stringify does from the schema as written', () => {
    const route = { schema: Body, method: 'GET', url: '/x', httpStatus: '200' } as never;
    const written = SerializerSelector()({}, {})(route) as (doc: unknown) => string;
    const serializer = serializerFactory(true)({}, {})(route) as (doc: unknown) => string;
    const docs = [
      { id: 'a', note: null, at: null, owner: null, tags: null, either: 'x' },
      { id: 'b', note: 'hi', at: '2026-01-02T03:04:05.000Z', owner: { name: 'Kari', age: null }, tags: ['t', null], either: 3 },
      { id: 'c', note: 'hi', at: new Date('2026-01-02T03:04:05Z'), owner: { name: 'Ola', age: 40 }, tags: [], either: 'y' },
    ];
    for (const doc of docs) {
      expect(serializer(doc)).toBe(written(doc));
      expect(JSON.parse(serializer(doc))).toEqual(JSON.parse(JSON.stringify(doc)));
    }
  });
});
