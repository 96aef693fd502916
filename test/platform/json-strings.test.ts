import { Type } from '@sinclair/typebox';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CreatePaymentRequest, ForceApproveRequest } from '../../src/apis/epayment/schemas.js';
import { numbersAsStrings } from '../../src/platform/json-strings.js';

const read = (schema: Parameters<typeof numbersAsStrings>[0], text: string) => numbersAsStrings(schema)(JSON.parse(text), text);

describe('numbers where a schema wants a string (src/platform/json-strings.ts)', () => {
  it('a 19-digit number in a string field becomes exactly its digits; numbers in number fields stay numbers', () => {
    const body = read(CreatePaymentRequest, '{"amount":{"value":49900,"currency":"NOK"},"customer":{"phoneNumber":4797777776},"reference":1234561700000000123,"userFlow":"QR","qrFormat":{"format":"IMAGE/PNG","size":1024}}');
    expect(body).toEqual({ amount: { value: 49900, currency: 'NOK' }, customer: { phoneNumber: '4797777776' }, reference: '1234561700000000123', userFlow: 'QR', qrFormat: { format: 'IMAGE/PNG', size: 1024 } });
    // What JSON.parse alone would have made of it.
    expect(String(JSON.parse('1234561700000000123'))).toBe('1234561700000000000');
  });

  it('the number is kept as written (no exponent, no rounding, trailing zeros kept)', () => {
    const schema = Type.Object({ a: Type.String(), b: Type.String(), c: Type.String(), n: Type.Number() });
    expect(read(schema, '{"a": 1.50, "b": -0, "c": 12345678901234567890123, "n": 1.50}')).toEqual({ a: '1.50', b: '-0', c: '12345678901234567890123', n: 1.5 });
  });

  it('strings are never turned into numbers, and a body without such a number is the very object JSON.parse made', () => {
    const text = '{"amount":{"value":"1000","currency":"NOK"},"reference":"abc-123-def"}';
    const parsed = JSON.parse(text);
    expect(numbersAsStrings(CreatePaymentRequest)(parsed, text)).toBe(parsed);
    expect(parsed.amount.value).toBe('1000');
  });

  it('follows unions, nullable objects, arrays and records; leaves a field alone where the schema also takes a number', () => {
    const schema = Type.Object({
      list: Type.Array(Type.Object({ id: Type.String(), qty: Type.Integer() })),
      map: Type.Record(Type.String(), Type.String()),
      either: Type.Union([Type.String(), Type.Integer()]),
      maybe: Type.Union([Type.Null(), Type.Object({ code: Type.String() })]),
    });
    expect(read(schema, '{"list":[{"id":7,"qty":2},{"id":"x","qty":3}],"map":{"k":12},"either":5,"maybe":{"code":99}}')).toEqual({
      list: [{ id: '7', qty: 2 }, { id: 'x', qty: 3 }],
      map: { k: '12' },
      either: 5,
      maybe: { code: '99' },
    });
    expect(read(ForceApproveRequest, '{"customer":{"phoneNumber":4791234567},"token":"t"}')).toEqual({ customer: { phoneNumber: '4791234567' }, token: 't' });
    expect(read(ForceApproveRequest, 'null')).toBeNull();
  });

  it('reads the lossless way as JSON.parse does: the last duplicate key wins, __proto__ stays an own property', () => {
    const body = read(Type.Object({ reference: Type.String() }), '{"reference":1,"reference":2222222222222222222,"__proto__":{"polluted":1}}') as Record<string, unknown>;
    expect(body.reference).toBe('2222222222222222222');
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(body, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('any integer of up to 50 digits sent as the reference comes back as its exact digits', () => {
    const reader = numbersAsStrings(CreatePaymentRequest);
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 50n - 1n }), (n) => {
        const text = `{"reference":${n},"amount":{"value":100,"currency":"NOK"}}`;
        const body = reader(JSON.parse(text), text) as { reference: string; amount: { value: number } };
        return body.reference === n.toString() && body.amount.value === 100;
      }),
    );
  });
});
