import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { barcodeProblem, checkImage, checkReceipt, paymentTypeOf, totals } from '../../../src/apis/ordermanagement/domain.js';
import { bmp, png } from './images.js';

const ean13 = (twelve: string) => {
  const sum = [...twelve].map(Number).reduce((s, d, i) => s + d * (i % 2 === 0 ? 1 : 3), 0);
  return `${twelve}${(10 - (sum % 10)) % 10}`;
};

describe('Order Management domain', () => {
  it('EAN-13: every code with its check digit passes, and any other last digit fails', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{12}$/), fc.integer({ min: 1, max: 9 }), (twelve, shift) => {
        const code = ean13(twelve);
        expect(barcodeProblem('EAN-13', code)).toBeUndefined();
        const wrong = `${twelve}${(Number(code[12]) + shift) % 10}`;
        expect(barcodeProblem('EAN-13', wrong)).toMatch(/check digit/);
      }),
    );
    expect(barcodeProblem('EAN-13', '5901234123457')).toBeUndefined();
    expect(barcodeProblem('CODE 39', 'abc')).toBeDefined();
  });

  it('a line is accepted exactly when total = excluding tax + tax and the tax matches the rate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.constantFrom(0, 1200, 1500, 2500), fc.integer({ min: -3, max: 3 }), (excl, rate, off) => {
        const tax = Math.round((excl * rate) / 10000) + off;
        fc.pre(tax >= 0);
        const r = { orderLines: [{ name: 'x', id: 'x', totalAmount: excl + tax, totalAmountExcludingTax: excl, totalTaxAmount: tax, taxRate: rate }], bottomLine: { currency: 'NOK' as const } };
        expect(checkReceipt(r) === undefined).toBe(Math.abs(off) <= 1);
      }),
    );
  });

  it('totals count returns negative and add the tip', () => {
    const line = (total: number, tax: number, isReturn = false) => ({ name: 'x', id: 'x', totalAmount: total, totalAmountExcludingTax: total - tax, totalTaxAmount: tax, taxRate: 2500, isReturn });
    expect(totals({ orderLines: [line(10000, 2000), line(2500, 500, true)], bottomLine: { currency: 'NOK', tipAmount: 100 } })).toEqual({ total: 7600, totalTax: 1500 });
  });

  it('images: PNG measured by image-size, other formats and low images refused', () => {
    expect(checkImage(png(170, 167).toString('base64'))).toMatchObject({ ok: true, image: { mediaType: 'image/png', width: 170, height: 167 } });
    expect(checkImage(png(170, 166).toString('base64'))).toMatchObject({ ok: false });
    expect(checkImage(bmp(200, 200).toString('base64'))).toMatchObject({ ok: false, problem: { invalidParams: [{ name: 'Src', reason: expect.stringMatching(/bmp/) }] } });
    expect(checkImage(Buffer.from('not an image at all').toString('base64'))).toMatchObject({ ok: false });
    expect(paymentTypeOf('eCom')).toBe('ECOM');
    expect(paymentTypeOf('card')).toBeUndefined();
  });
});
