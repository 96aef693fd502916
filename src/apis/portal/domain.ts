/**
 * The portal's rules, pure: what a merchant agreement needs (reference b.1: a Norwegian
 * organisation number, a Norwegian bank account, and for a foreign company an appointed contact
 * person with a Norwegian mobile number and a fødselsnummer or D-number), and what a test sales
 * unit is made with (reference a.2).
 */
import { accountNumberDigits, accountNumberProblem } from '../../platform/norwegian-ids.js';
import { ninProblem, parseNin } from '../../platform/nin.js';
import { normalizePhone } from '../../web/format.js';
import type { RegisteredCompany } from './company-register.js';

/** Product orders (PO) a merchant can send with its agreement. */
export const PRODUCTS = [
  { id: 'epayment', name: 'Vipps på Nett (online payments)' },
  { id: 'login', name: 'Logg inn med Vipps (Login)' },
  { id: 'recurring', name: 'Faste betalinger (Recurring)' },
  { id: 'checkout', name: 'Checkout' },
] as const;
export type ProductId = (typeof PRODUCTS)[number]['id'];

/** The application form, as typed. */
export interface ApplicationInput {
  bankAccount: string;
  contactName: string;
  contactEmail: string;
  contactPhone: string;
  contactNin: string;
  products: string[];
}

export type ApplicationField = keyof ApplicationInput;
export type FieldProblems = Partial<Record<ApplicationField, string>>;

/** Who signed the agreement with (simulated) BankID. */
export interface Signer {
  name: string;
  phoneNumber: string;
}

/** A signed merchant agreement (MA) with its product orders. */
export interface MerchantAgreement {
  company: RegisteredCompany;
  /** 11 digits. */
  bankAccount: string;
  contact: { name: string; email: string; phoneNumber: string; nin?: string; ninKind?: string };
  products: ProductId[];
  signedBy: Signer;
  signedAt: string;
  /** Customer control takes days at Vipps; the emulator approves at once. */
  status: 'approved';
}

export const isForeign = (company: RegisteredCompany): boolean => company.country !== 'NO';

/**
 * Checks an application for `company`. Every field at fault gets its own sentence, so the form
 * can show them all at once.
 */
export function reviewApplication(company: RegisteredCompany, input: ApplicationInput, signer: Signer, now: Date): { ok: true; agreement: MerchantAgreement } | { ok: false; problems: FieldProblems } {
  const foreign = isForeign(company);
  const problems: FieldProblems = {};
  const trimmed = {
    bankAccount: input.bankAccount.trim(),
    contactName: input.contactName.trim(),
    contactEmail: input.contactEmail.trim(),
    contactPhone: input.contactPhone.trim(),
    contactNin: input.contactNin.replace(/\s/g, ''),
  };

  if (!trimmed.bankAccount) problems.bankAccount = foreign ? 'A foreign company needs a Norwegian bank account: enter its 11-digit account number.' : 'Enter the bank account number (11 digits).';
  else {
    const why = accountNumberProblem(trimmed.bankAccount);
    if (why) problems.bankAccount = `The bank account number is not valid: ${why}.`;
  }

  if (!trimmed.contactName) problems.contactName = foreign ? 'A foreign company must appoint a contact person in Norway: enter their name.' : 'Enter the name of the contact person.';
  else if (trimmed.contactName.length > 100) problems.contactName = 'The name can be at most 100 characters.';

  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(trimmed.contactEmail) || trimmed.contactEmail.length > 200) problems.contactEmail = 'Enter the contact person\'s email address (name@example.com).';

  const phone = normalizePhone(trimmed.contactPhone);
  if (!trimmed.contactPhone) problems.contactPhone = foreign ? 'A foreign company\'s contact person needs a Norwegian mobile number (8 digits).' : 'Enter the contact person\'s mobile number.';
  else if (!phone) problems.contactPhone = 'The mobile number is not a phone number: use 8 digits, or + and the country code.';
  else if (foreign && !/^47[49]\d{7}$/.test(phone)) problems.contactPhone = 'A foreign company\'s contact person needs a Norwegian mobile number (8 digits starting with 4 or 9).';

  let ninKind: string | undefined;
  if (!trimmed.contactNin) {
    if (foreign) problems.contactNin = 'A foreign company\'s contact person needs a Norwegian identity number: a fødselsnummer or a D-number (11 digits).';
  } else {
    const why = ninProblem(trimmed.contactNin);
    if (why) problems.contactNin = `The fødselsnummer or D-number is not valid: it ${why}.`;
    else ninKind = parseNin(trimmed.contactNin)!.kind;
  }

  const known = new Set<string>(PRODUCTS.map((p) => p.id));
  const products = [...new Set(input.products)];
  if (products.length === 0) problems.products = 'Choose at least one product to order.';
  else if (products.some((p) => !known.has(p))) problems.products = 'Choose products from the list.';

  if (Object.keys(problems).length > 0) return { ok: false, problems };
  return {
    ok: true,
    agreement: {
      company,
      bankAccount: accountNumberDigits(trimmed.bankAccount)!,
      contact: { name: trimmed.contactName, email: trimmed.contactEmail, phoneNumber: phone!, ...(ninKind ? { nin: trimmed.contactNin, ninKind } : {}) },
      products: products as ProductId[],
      signedBy: signer,
      signedAt: now.toISOString(),
      status: 'approved',
    },
  };
}

/** The options of a new test sales unit (Utvikler → API keys → Test → Add test sales unit). */
export interface SalesUnitOptions {
  name: string;
  partner?: string;
  skipLandingPage: boolean;
  recurring: boolean;
  directCapture: boolean;
}

export function reviewSalesUnit(input: { name: string; partner: string; skipLandingPage: boolean; recurring: boolean; directCapture: boolean }): { ok: true; options: SalesUnitOptions } | { ok: false; problems: { name?: string; partner?: string } } {
  const name = input.name.trim();
  const partner = input.partner.trim();
  const problems: { name?: string; partner?: string } = {};
  if (!name) problems.name = 'Enter a name for the sales unit.';
  else if (name.length > 100) problems.name = 'The name can be at most 100 characters.';
  if (partner.length > 100) problems.partner = 'The partner can be at most 100 characters.';
  if (Object.keys(problems).length > 0) return { ok: false, problems };
  return { ok: true, options: { name, ...(partner ? { partner } : {}), skipLandingPage: input.skipLandingPage, recurring: input.recurring, directCapture: input.directCapture } };
}

/** Redirect URIs as typed in the portal's textarea: one a line, blank lines ignored. */
export function parseRedirectUris(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
}
