/**
 * Order Management's rules, pure: payment types, image uploads (PNG or JPEG, at least 167 px high,
 * at most 2 MB: OM-SPEC), receipts (line totals and tax add up, barcodes are valid) and categories.
 * The image's format and size are read by a maintained parser (image-size), not by us.
 */
import { imageSize } from 'image-size';
import { checkMerchantUrl } from '../../platform/url-policy.js';
import { invalid, type OmProblem } from './errors.js';
import type { OrderLine, Receipt } from './schemas.js';

export const MAX_IMAGE_BYTES = 2 * 1024 * 1024;
export const MIN_IMAGE_HEIGHT = 167;

export type PaymentType = 'ECOM' | 'RECURRING';

/** `ecom`, `eCom`, `ECOM` are one (sources differ); ePayment and Checkout payments are ECOM too. */
export function paymentTypeOf(raw: string): PaymentType | undefined {
  const upper = raw.toUpperCase();
  return upper === 'ECOM' || upper === 'RECURRING' ? upper : undefined;
}

export const badPaymentType = (raw: string) => invalid('paymentType', `${JSON.stringify(raw.slice(0, 40))} is not a payment type: use ECOM (eCom, ePayment and Checkout payments) or RECURRING.`);

export interface CheckedImage {
  mediaType: 'image/png' | 'image/jpeg';
  width: number;
  height: number;
  bytes: number;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The uploaded image, decoded and measured, or why it is refused. */
export function checkImage(src: string): { ok: true; image: CheckedImage; data: Buffer } | { ok: false; problem: OmProblem } {
  const text = src.replace(/^data:image\/[a-z]+;base64,/, '').replace(/\s+/g, '');
  if (text.length % 4 !== 0 || !BASE64.test(text)) return { ok: false, problem: invalid('Src', 'The image must be base64-encoded image data (not a URL).') };
  const data = Buffer.from(text, 'base64');
  if (data.length > MAX_IMAGE_BYTES) return { ok: false, problem: invalid('Src', `The image is ${data.length} bytes: at most ${MAX_IMAGE_BYTES} (2 MB).`) };
  let size: { type?: string; width?: number; height?: number };
  try {
    size = imageSize(new Uint8Array(data.buffer, data.byteOffset, data.length));
  } catch {
    return { ok: false, problem: invalid('Src', 'The image is not a PNG or JPEG image.') };
  }
  const mediaType = size.type === 'png' ? 'image/png' : size.type === 'jpg' ? 'image/jpeg' : undefined;
  if (!mediaType) return { ok: false, problem: invalid('Src', `The image is ${size.type ?? 'of an unknown format'}: only PNG and JPEG are accepted.`) };
  const width = size.width ?? 0;
  const height = size.height ?? 0;
  if (height < MIN_IMAGE_HEIGHT) return { ok: false, problem: invalid('Src', `The image is ${height} px high: at least ${MIN_IMAGE_HEIGHT} px.`) };
  return { ok: true, image: { mediaType, width, height, bytes: data.length }, data };
}

/** The merchant's link: https (http to loopback in the emulator), as every merchant URL. */
export function checkUrl(field: string, url: string): OmProblem | undefined {
  return checkMerchantUrl(url).ok ? undefined : invalid(field, 'Must be an absolute https URL (the emulator also takes http://localhost).');
}

/** The line's tax rate in hundredths of a percent: taxRate, or the deprecated taxPercentage. */
export const rateOf = (l: OrderLine): number | undefined => l.taxRate ?? (l.taxPercentage == null ? undefined : l.taxPercentage * 100);

/**
 * A receipt's rules: each line's total is its amount excluding tax plus its tax; the tax matches
 * the rate (to the øre per unit of quantity, for rounding); negative amounts are refused by the
 * schema (OM-CL); the bottom line's deprecated sums are not checked (OM-CL, Aug 2022); a barcode's
 * data fits its format.
 */
export function checkReceipt(r: Receipt): OmProblem | undefined {
  for (const [i, l] of r.orderLines.entries()) {
    const at = `OrderLines[${i}]`;
    if (l.taxRate != null && l.taxPercentage != null && l.taxRate !== l.taxPercentage * 100) {
      return invalid(`${at}.TaxRate`, `taxRate (${l.taxRate}) and the deprecated taxPercentage (${l.taxPercentage}) disagree: send taxRate only.`);
    }
    const rate = rateOf(l);
    if (rate === undefined) return invalid(`${at}.TaxRate`, 'Give the tax as taxRate (hundredths of a percent, 2500 = 25 %) or the deprecated taxPercentage.');
    if (l.totalAmountExcludingTax + l.totalTaxAmount !== l.totalAmount) {
      return invalid(`${at}.TotalAmount`, `totalAmount (${l.totalAmount}) must be totalAmountExcludingTax + totalTaxAmount (${l.totalAmountExcludingTax + l.totalTaxAmount}).`);
    }
    const expected = Math.round((l.totalAmountExcludingTax * rate) / 10000);
    const units = Math.max(1, Math.ceil(Number(l.unitInfo?.quantity ?? '1')));
    if (Math.abs(expected - l.totalTaxAmount) > units) {
      return invalid(`${at}.TotalTaxAmount`, `totalTaxAmount (${l.totalTaxAmount}) is not ${rate / 100} % of totalAmountExcludingTax (${l.totalAmountExcludingTax}): expected ${expected}.`);
    }
  }
  const barcode = r.bottomLine.barcode;
  if (barcode) {
    const problem = barcodeProblem(barcode.format, barcode.data);
    if (problem) return invalid('BottomLine.Barcode.Data', problem);
  }
  return undefined;
}

export function barcodeProblem(format: 'EAN-13' | 'CODE 39' | 'CODE 128', data: string): string | undefined {
  switch (format) {
    case 'EAN-13': {
      if (!/^\d{13}$/.test(data)) return 'An EAN-13 barcode is 13 digits.';
      const digits = [...data].map(Number);
      const sum = digits.slice(0, 12).reduce((s, d, i) => s + d * (i % 2 === 0 ? 1 : 3), 0);
      return (10 - (sum % 10)) % 10 === digits[12] ? undefined : 'The EAN-13 check digit is wrong.';
    }
    case 'CODE 39':
      return /^[0-9A-Z\-. $/+%]{1,80}$/.test(data) ? undefined : 'CODE 39 takes 0-9, A-Z, space and - . $ / + % only.';
    case 'CODE 128':
      return /^[\x20-\x7e]{1,80}$/.test(data) ? undefined : 'CODE 128 takes printable ASCII only.';
  }
}

/** What the order comes to, as the app shows it: the lines' sums, returns counted negative. */
export function totals(r: Receipt): { total: number; totalTax: number } {
  let total = 0;
  let totalTax = 0;
  for (const l of r.orderLines) {
    const sign = l.isReturn ? -1 : 1;
    total += sign * l.totalAmount;
    totalTax += sign * l.totalTaxAmount;
  }
  return { total: total + (r.bottomLine.tipAmount ?? 0), totalTax };
}
