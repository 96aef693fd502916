import type { PaymentRequestView, RequestAmount, RequestState } from '../platform/user-inbox.js';

/** "1 234,50 kr" for NOK (as the Norwegian app shows it); "12.34 EUR" otherwise. */
export function formatAmount(amount: RequestAmount): string {
  const major = (amount.value / 100).toFixed(2);
  if (amount.currency === 'NOK') {
    const [whole, fraction] = major.split('.');
    return `${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0')},${fraction} kr`;
  }
  return `${major} ${amount.currency}`;
}

/** "47 97 77 77 76" style, for reading; the value stays the MSISDN. */
export function formatPhone(msisdn: string): string {
  if (/^47\d{8}$/.test(msisdn)) return `+47 ${msisdn.slice(2, 5)} ${msisdn.slice(5, 7)} ${msisdn.slice(7)}`;
  return `+${msisdn}`;
}

/**
 * What people type (97777776, +47 977 77 776, 0047…, 4797777776) as an MSISDN; undefined when it
 * cannot be a phone number. Eight digits are a Norwegian number.
 */
export function normalizePhone(input: string): string | undefined {
  let digits = input.replace(/[\s().-]/g, '');
  if (digits.startsWith('+')) digits = digits.slice(1);
  else if (digits.startsWith('00')) digits = digits.slice(2);
  if (!/^\d+$/.test(digits)) return undefined;
  if (digits.length === 8) digits = `47${digits}`;
  return /^\d{10,15}$/.test(digits) ? digits : undefined;
}

/** The state the user sees: a CREATED payment past its expiry is expired even before the sweep. */
export function visibleState(p: Pick<PaymentRequestView, 'state' | 'expiresAt'>, now: Date): RequestState {
  return p.state === 'CREATED' && now.getTime() >= Date.parse(p.expiresAt) ? 'EXPIRED' : p.state;
}

export const STATE_TEXT: Record<RequestState, string> = {
  CREATED: 'Waiting for you',
  AUTHORIZED: 'Paid',
  ABORTED: 'Rejected',
  EXPIRED: 'Expired',
  TERMINATED: 'Cancelled by the merchant',
};
