/**
 * The emulator's test cards for the hosted checkout page. MT itself takes no cards (CO-FAQ), so
 * these numbers are ours (docs/checkout.md): each stands for one outcome a shop must handle. Any
 * expiry in the future and any 3-digit CVC. The test environment's special amounts (1.51 NOK
 * insufficient funds, …) still fail an approved card, as in the app.
 */
export type CardBehaviour = { kind: 'approve' } | { kind: 'decline'; reason: string; message: string } | { kind: 'challenge' };

export const TEST_CARDS: ReadonlyArray<{ number: string; label: string; behaviour: CardBehaviour }> = [
  { number: '4925000000000004', label: 'Visa, approved', behaviour: { kind: 'approve' } },
  { number: '5200000000000007', label: 'Mastercard, approved', behaviour: { kind: 'approve' } },
  { number: '4000000000000002', label: 'Visa, declined by the issuer', behaviour: { kind: 'decline', reason: 'Refused by issuer', message: 'The card issuer refused the payment.' } },
  { number: '4000000000000036', label: 'Visa, insufficient funds', behaviour: { kind: 'decline', reason: 'Insufficient funds', message: 'The card has insufficient funds.' } },
  { number: '4000000000030637', label: 'Visa, 3-D Secure challenge', behaviour: { kind: 'challenge' } },
];

/** Luhn's check: a mistyped number is the form's error, not a decline. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length >= 12 && sum % 10 === 0;
}

export type CardCheck = { ok: true; behaviour: CardBehaviour; last4: string } | { ok: false; field: 'number' | 'expiry' | 'cvc'; message: string };

/** Checks the card form: number (a test card), expiry MM/YY not before `now`'s month, CVC. */
export function checkCard(form: { number: string; expiry: string; cvc: string }, now: Date): CardCheck {
  const digits = form.number.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits) || !luhnValid(digits)) return { ok: false, field: 'number', message: 'The card number is not valid.' };
  const card = TEST_CARDS.find((c) => c.number === digits);
  if (!card) return { ok: false, field: 'number', message: 'This is not one of the emulator\'s test cards (see the list below the form).' };
  const m = /^(\d{2})\s*\/\s*(\d{2})$/.exec(form.expiry.trim());
  const month = m ? Number(m[1]) : 0;
  if (!m || month < 1 || month > 12) return { ok: false, field: 'expiry', message: 'Expiry must be MM/YY.' };
  const year = 2000 + Number(m[2]);
  if (year < now.getUTCFullYear() || (year === now.getUTCFullYear() && month < now.getUTCMonth() + 1)) {
    return { ok: false, field: 'expiry', message: 'The card has expired.' };
  }
  if (!/^\d{3,4}$/.test(form.cvc.trim())) return { ok: false, field: 'cvc', message: 'The CVC is the 3 digits on the back of the card.' };
  return { ok: true, behaviour: card.behaviour, last4: digits.slice(-4) };
}
