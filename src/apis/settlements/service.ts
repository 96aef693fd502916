/**
 * Settlements: one command = load, decide (domain/engine.ts), store — in one transaction.
 * Bookings run inside the payment API's command (the money-movement port); closing ledger dates
 * runs on the emulator clock, one command per sales unit.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { DatabaseHandle } from '../../db/open.js';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../platform/clock.js';
import type { MoneyMovement } from '../../platform/money-movements.js';
import { addDays, ledgerDateOf, osloInstant } from './domain/calendar.js';
import { book, closeDays, FIRST_SETTLEMENT_NUMBER, lastClosableDate, NO_TOTALS, post } from './domain/engine.js';
import { DEFAULT_FEE } from './domain/fees.js';
import { organizationNumberFor, settlementAccountFor, ulid } from './domain/identifiers.js';
import type { Currency, SalesUnit, Settlement, SettlementView } from './domain/types.js';
import { settlementStore as store, type StoredUnit } from './store.js';

export interface SettlementDeps {
  database: DatabaseHandle;
  clock: Clock;
  /** The merchant's name and country, for a new unit's defaults (undefined: an MSN the directory does not know). */
  merchant: (msn: string) => { name: string; country: string } | undefined;
}

const CURRENCY_OF_COUNTRY: Record<string, Currency> = { NO: 'NOK', DK: 'DKK', FI: 'EUR' };

/** The profile a sales unit starts with: derived from the merchant, changeable through the control API. */
export function defaultProfile(msn: string, ledgerId: string, merchant: { name: string; country: string } | undefined): SalesUnit {
  const name = merchant?.name ?? `Merchant ${msn}`;
  const country = merchant?.country ?? 'NO';
  return {
    msn,
    ledgerId,
    saleUnitName: name,
    organizationName: `${name} AS`,
    organizationNumber: organizationNumberFor(msn),
    mainAddress: 'Dronning Eufemias gate 42',
    mainAddressZipCode: '0191',
    mainAddressCity: 'Oslo',
    mainAddressCountryCode: 'NOR',
    settlementAccount: settlementAccountFor(msn),
    country,
    currency: CURRENCY_OF_COUNTRY[country] ?? 'NOK',
    settlementType: 'Net',
    frequency: 'daily',
    fee: DEFAULT_FEE,
    cutoffHour: 0,
  };
}

/** Money reaches the account before noon on the payout date. */
export const payoutStatus = (s: Settlement, now: Date): SettlementView['payoutStatus'] => (now.getTime() >= osloInstant(s.payoutDate, 12).getTime() ? 'paid' : 'scheduled');

export class SettlementService {
  constructor(private readonly deps: SettlementDeps) {}

  now(): Date {
    return this.deps.clock.now();
  }

  /** Books movements in a command of their own (the control API's direct booking). */
  recordNow(...movements: MoneyMovement[]): Promise<void> {
    return this.deps.database.commands.run((trx) => this.record(trx, movements));
  }

  private newId = () => ulid(this.now(), randomBytes(10));

  /**
   * The unit's row, created with its defaults on first use (inside the caller's transaction, locked).
   * A new ledger is open from the day of `since` (the first movement's time, which a clock jump may
   * have left behind) or today.
   */
  async ensureUnit(trx: Transaction<Database>, msn: string, since?: Date): Promise<StoredUnit> {
    const found = await store.loadUnit(trx, msn, true);
    if (found) return found;
    for (let attempt = 0; attempt < 20; attempt++) {
      const ledgerId = String(randomInt(100_000, 999_999));
      const now = this.now();
      const unit = defaultProfile(msn, ledgerId, this.deps.merchant(msn));
      const from = since && since.getTime() < now.getTime() ? since : now;
      const created: StoredUnit = {
        unit,
        state: { lastClosed: addDays(ledgerDateOf(from, unit.cutoffHour), -1), balances: { funds: 0, fees: 0, seq: 0 }, carried: NO_TOTALS, nextSettlementNumber: FIRST_SETTLEMENT_NUMBER },
        // Transaction IDs: 10 digits, counting up from a random start per unit.
        transactionBase: randomInt(1_000_000_000, 8_000_000_000),
        transactionSeq: 0,
        createdAt: now.toISOString(),
      };
      await store.createUnit(trx, created);
      const loaded = await store.loadUnit(trx, msn, true);
      if (loaded) return loaded;
      // The ledger ID was taken by another unit: draw again.
    }
    throw new Error(`no free ledger ID for sales unit ${msn}`);
  }

  /** Books movements inside the payment API's command: a transaction line and its Report API entries each. */
  async record(trx: Transaction<Database>, movements: readonly MoneyMovement[]): Promise<void> {
    const byMsn = new Map<string, MoneyMovement[]>();
    for (const m of movements) {
      const list = byMsn.get(m.msn);
      if (list) list.push(m);
      else byMsn.set(m.msn, [m]);
    }
    for (const [msn, list] of byMsn) {
      const earliest = new Date(list.reduce((min, m) => Math.min(min, Date.parse(m.at)), Infinity));
      const stored = await this.ensureUnit(trx, msn, earliest);
      let seq = stored.transactionSeq;
      const booked = list.map((m) => {
        const currency = (['NOK', 'DKK', 'EUR'] as const).find((c) => c === m.currency) ?? stored.unit.currency;
        seq += 1;
        return { ...book(stored.unit, stored.state.lastClosed, { ...m, currency }, String(stored.transactionBase + seq)), sourceId: m.sourceId };
      });
      // One statement for the lines, one for their entries; a movement booked before is left out of both.
      const inserted = await store.insertTransactions(trx, booked);
      const posted = post(stored.unit.ledgerId, stored.state.balances, booked.filter((b) => inserted.has(b.transaction.transactionId)).flatMap((b) => b.drafts));
      await store.insertEntries(trx, msn, posted.entries);
      const balances = posted.balances;
      if (inserted.size > 0) await store.saveState(trx, msn, { ...stored.state, balances }, seq);
    }
  }

  /** Closes every ledger date that has ended: fees, payouts, settlements. Returns the settlements made. */
  async closeDue(): Promise<Settlement[]> {
    const db = this.deps.database.db;
    const made: Settlement[] = [];
    // Midnight cut-off closes a date first; a unit with a later cut-off finds nothing to do until its hour.
    const through = lastClosableDate(this.now(), 0);
    for (const msn of await store.unitsBehind(db, through)) {
      made.push(...(await this.deps.database.commands.run((trx) => this.closeUnit(trx, msn))));
    }
    return made;
  }

  private async closeUnit(trx: Transaction<Database>, msn: string): Promise<Settlement[]> {
    const stored = await store.loadUnit(trx, msn, true);
    if (!stored) return [];
    const through = lastClosableDate(this.now(), stored.unit.cutoffHour);
    if (through <= stored.state.lastClosed) return [];
    const activity = await store.dayActivity(trx, msn, stored.state.lastClosed, through);
    const closing = closeDays(stored.unit, stored.state, activity, through, this.newId);
    await store.insertEntries(trx, msn, closing.entries);
    for (const s of closing.settlements) {
      const marked = await store.markSettled(trx, msn, s.settlementId, s.settlementDate);
      if (marked !== s.numberOfTransactions) throw new Error(`settlement ${s.settlementId} of ${msn}: ${marked} transactions marked, ${s.numberOfTransactions} expected`);
      await store.insertSettlement(trx, s);
    }
    await store.saveState(trx, msn, closing.state);
    return closing.settlements;
  }

  /** A unit's profile and ledger state, created with its defaults on first use. */
  async unitOf(msn: string): Promise<SalesUnit> {
    const found = await store.loadUnit(this.deps.database.db, msn);
    if (found) return found.unit;
    return this.deps.database.commands.run(async (trx) => (await this.ensureUnit(trx, msn)).unit);
  }

  /** Changes a unit's profile (control API); the unit is created first if needed. */
  configure(msn: string, change: (unit: SalesUnit) => SalesUnit): Promise<SalesUnit> {
    return this.deps.database.commands.run(async (trx) => {
      const stored = await this.ensureUnit(trx, msn);
      const next = { ...change(stored.unit), msn, ledgerId: stored.unit.ledgerId };
      await store.saveProfile(trx, next);
      return next;
    });
  }

  view(s: Settlement): SettlementView {
    return { ...s, payoutStatus: payoutStatus(s, this.now()) };
  }
}
