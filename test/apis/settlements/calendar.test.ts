import { describe, expect, it } from 'vitest';
import { addBankDays, easterSunday, isBankDay, ledgerDateEnd, ledgerDateOf, nonBankDayReason, norwegianBankHolidays, osloInstant, payoutDateOf } from '../../../src/apis/settlements/domain/calendar.js';
import { isBankAccount, isOrganizationNumber, organizationNumberFor, settlementAccountFor, ulid } from '../../../src/apis/settlements/domain/identifiers.js';
import { captureFee } from '../../../src/apis/settlements/domain/fees.js';

describe('the settlement calendar', () => {
  it('computes Easter Sunday (Gregorian computus) for known years', () => {
    const known: Record<number, string> = { 1818: '1818-03-22', 1943: '1943-04-25', 2000: '2000-04-23', 2019: '2019-04-21', 2022: '2022-04-17', 2024: '2024-03-31', 2025: '2025-04-20', 2026: '2026-04-05', 2027: '2027-03-28', 2038: '2038-04-25', 2285: '2285-03-22' };
    for (const [year, date] of Object.entries(known)) expect(easterSunday(Number(year)), year).toBe(date);
  });

  it('knows the Norwegian bank holidays of 2026, Easter-dependent ones included', () => {
    expect([...norwegianBankHolidays(2026).keys()].sort()).toEqual([
      '2026-01-01', '2026-04-02', '2026-04-03', '2026-04-05', '2026-04-06', '2026-05-01', '2026-05-14', '2026-05-17', '2026-05-24', '2026-05-25', '2026-12-24', '2026-12-25', '2026-12-26', '2026-12-31',
    ]);
    expect(nonBankDayReason('2026-04-02')).toMatch(/Maundy Thursday/);
    expect(nonBankDayReason('2026-05-14')).toMatch(/Ascension/);
    expect(nonBankDayReason('2026-11-28')).toBe('Saturday');
    expect(isBankDay('2026-11-27')).toBe(true);
  });

  it('pays out on the 2nd bank day after the settlement date: Mon → Wed, Fri/Sat/Sun → Tue, around Easter later', () => {
    expect(payoutDateOf('2026-11-23')).toBe('2026-11-25'); // Monday → Wednesday
    for (const d of ['2026-11-27', '2026-11-28', '2026-11-29']) expect(payoutDateOf(d), d).toBe('2026-12-01'); // Fri, Sat, Sun → Tuesday
    expect(payoutDateOf('2026-04-01')).toBe('2026-04-08'); // Wed before Easter: Thu, Fri, Mon are holidays
    expect(payoutDateOf('2026-12-22')).toBe('2026-12-28'); // 23rd, then 24–27 closed, 28th
    expect(addBankDays('2026-12-30', 1)).toBe('2027-01-04'); // New Year's Eve and Day closed, then a weekend
  });

  it('cuts ledger dates at Oslo midnight (or the unit\'s cut-off hour), across daylight saving', () => {
    expect(ledgerDateOf(new Date('2026-06-30T21:59:59.999Z'), 0)).toBe('2026-06-30');
    expect(ledgerDateOf(new Date('2026-06-30T22:00:00.000Z'), 0)).toBe('2026-07-01');
    expect(ledgerDateOf(new Date('2026-01-15T22:59:59.000Z'), 0)).toBe('2026-01-15');
    expect(ledgerDateOf(new Date('2026-01-15T23:00:00.000Z'), 0)).toBe('2026-01-16');
    expect(ledgerDateOf(new Date('2026-01-16T02:59:00.000Z'), 4)).toBe('2026-01-15');
    expect(ledgerDateOf(new Date('2026-01-16T03:00:00.000Z'), 4)).toBe('2026-01-16');
    expect(ledgerDateEnd('2026-03-28', 0).toISOString()).toBe('2026-03-28T23:00:00.000Z'); // winter time ends that night
    expect(ledgerDateEnd('2026-03-29', 0).toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(osloInstant('2026-10-25', 4).toISOString()).toBe('2026-10-25T03:00:00.000Z');
  });
});

describe('identifiers and fees', () => {
  it('makes organization numbers and accounts with valid modulus-11 check digits', () => {
    for (const msn of ['57860', '123456', '999999', '100000', '16655']) {
      expect(isOrganizationNumber(organizationNumberFor(msn)), msn).toBe(true);
      expect(isBankAccount(settlementAccountFor(msn)), msn).toBe(true);
    }
    expect(isOrganizationNumber('998724341')).toBe(true); // the reference's example
    expect(isBankAccount('15037654733')).toBe(true);
    expect(isBankAccount('15037654734')).toBe(false);
  });

  it('writes ULIDs of 26 Crockford characters whose head is the time', () => {
    const id = ulid(new Date('2023-08-14T00:00:00Z'), new Uint8Array(10));
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(id.slice(0, 10)).toBe('01H7RNF900'); // 1691971200000 ms in base 32
  });

  it('rounds percentage fees half-up and caps them at the amount; refunds have none', () => {
    expect(captureFee(439_00, { percentBp: 150, fixed: 0 })).toBe(659); // 6.585 → 6.59 (XLSX example)
    expect(captureFee(100_00, { percentBp: 0, fixed: 400 })).toBe(400);
    expect(captureFee(10, { percentBp: 250, fixed: 150 })).toBe(10);
  });
});
