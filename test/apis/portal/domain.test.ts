/**
 * The portal's rules without a server: the test company register and what a merchant agreement
 * needs (reference b.1), for Norwegian and foreign companies.
 */
import { describe, expect, it } from 'vitest';
import { generateOrgNumber, isValidOrgNumber } from '../../../src/platform/norwegian-ids.js';
import { TEST_COMPANIES, lookUpCompany } from '../../../src/apis/portal/company-register.js';
import { parseRedirectUris, reviewApplication, reviewSalesUnit, type ApplicationInput } from '../../../src/apis/portal/domain.js';

const signer = { name: 'Kari Nordmann', phoneNumber: '4791234567' };
const now = new Date('2026-01-01T12:00:00Z');
const complete: ApplicationInput = { bankAccount: '1503.12.34562', contactName: 'Anna Svensson', contactEmail: 'anna@example.com', contactPhone: '91234567', contactNin: '55068527014', products: ['epayment'] };
const found = (org: string) => {
  const r = lookUpCompany(org);
  if (!('found' in r)) throw new Error(r.problem);
  return r.found;
};

describe('the test company register', () => {
  it('knows its named companies, all with valid organisation numbers, Norwegian and foreign', () => {
    for (const c of TEST_COMPANIES) expect(isValidOrgNumber(c.orgNumber), c.orgNumber).toBe(true);
    expect(found('912345602')).toMatchObject({ name: 'Fjordkaffe AS', country: 'NO', form: 'AS' });
    expect(found('987 654 325')).toMatchObject({ name: 'Svensk Design AB NUF', country: 'SE', form: 'NUF' });
  });

  it('refuses a number whose mod-11 check digit is wrong, or that can have none', () => {
    expect(lookUpCompany('987654321')).toEqual({ problem: expect.stringContaining('check digit does not match (expected 5)') });
    expect(lookUpCompany('887766550')).toEqual({ problem: expect.stringContaining('never issued') });
    expect(lookUpCompany('12345')).toEqual({ problem: expect.stringContaining('9 digits') });
  });

  it('has a stable entry for every valid number, foreign (NUF) when the seventh digit is 0 or 1', () => {
    const named = new Set(TEST_COMPANIES.map((c) => c.orgNumber));
    let foreign = 0;
    for (let i = 0; i < 500; i++) {
      const org = generateOrgNumber();
      if (named.has(org)) continue;
      const c = found(org);
      expect(found(org)).toEqual(c);
      expect(c.form === 'NUF', org).toBe(Number(org[6]) <= 1);
      expect(c.country === 'NO', org).toBe(c.form !== 'NUF');
      if (c.form === 'NUF') foreign += 1;
    }
    expect(foreign).toBeGreaterThan(0);
  });
});

describe('a merchant agreement', () => {
  it('a foreign company needs a Norwegian bank account, and a contact with a Norwegian mobile and a fødselsnummer or D-number', () => {
    const company = found('987654325');
    const refused = reviewApplication(company, { ...complete, bankAccount: '', contactPhone: '+46701234567', contactNin: '' }, signer, now);
    expect(refused).toEqual({
      ok: false,
      problems: {
        bankAccount: expect.stringContaining('Norwegian bank account'),
        contactPhone: expect.stringContaining('Norwegian mobile number'),
        contactNin: expect.stringContaining('fødselsnummer or a D-number'),
      },
    });
    const accepted = reviewApplication(company, complete, signer, now);
    expect(accepted).toMatchObject({ ok: true, agreement: { bankAccount: '15031234562', contact: { phoneNumber: '4791234567', nin: '55068527014', ninKind: 'D-number' }, status: 'approved', signedBy: signer } });
  });

  it('a Norwegian company may give a foreign mobile number and no identity number', () => {
    const r = reviewApplication(found('912345602'), { ...complete, contactPhone: '+46701234567', contactNin: '' }, signer, now);
    expect(r).toMatchObject({ ok: true, agreement: { contact: { phoneNumber: '46701234567' } } });
    expect(r.ok && r.agreement.contact.nin).toBeUndefined();
  });

  it('checks the bank account and identity number check digits, the email and the products for every company', () => {
    const r = reviewApplication(found('912345602'), { ...complete, bankAccount: '15031234567', contactNin: '55068527015', contactEmail: 'nope', products: [] }, signer, now);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.problems).sort()).toEqual(['bankAccount', 'contactEmail', 'contactNin', 'products']);
    expect(r.problems.bankAccount).toContain('expected 2');
    expect(r.problems.contactNin).toContain('control digits');
    expect(reviewApplication(found('912345602'), { ...complete, products: ['epayment', 'bitcoin'] }, signer, now)).toMatchObject({ ok: false, problems: { products: expect.any(String) } });
  });
});

describe('sales units and Login settings', () => {
  it('a test sales unit needs a name; the partner is optional', () => {
    expect(reviewSalesUnit({ name: '  ', partner: '', skipLandingPage: false, recurring: false, directCapture: false })).toEqual({ ok: false, problems: { name: expect.any(String) } });
    expect(reviewSalesUnit({ name: ' Shop ', partner: '', skipLandingPage: true, recurring: false, directCapture: true })).toEqual({ ok: true, options: { name: 'Shop', skipLandingPage: true, recurring: false, directCapture: true } });
  });

  it('redirect URIs are one a line, blank lines ignored', () => {
    expect(parseRedirectUris('http://localhost/cb\r\n\n  https://shop.example/ \n')).toEqual(['http://localhost/cb', 'https://shop.example/']);
  });
});
