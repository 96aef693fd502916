/**
 * The settlement and ledger domain types: what the engine produces and what report writers
 * (XML v3/v2, CSV, XLSX, PDF, SFTP) read. Stable: the report files are built from these alone.
 *
 * Conventions:
 * - Money is an integer in minor units (øre): 100.00 NOK = 10000. Formats convert (XML `15.00`).
 * - Signs as the settlement (XML v3) sees them: a capture is positive, a refund negative; a fee is
 *   a positive number that is deducted (Net = Gross − Fee). CSV/XLSX/PDF print the fee negative.
 * - Instants are ISO-8601 UTC strings (`2022-10-01T14:33:00.824Z`); formats render them in Oslo
 *   time (`TransactionTime` with +01:00/+02:00). Dates are `YYYY-MM-DD` calendar dates.
 */

export type Minor = number;
export type Currency = 'NOK' | 'DKK' | 'EUR';
export type SettlementType = 'Net' | 'Gross';
/** How often money is paid out (portal setting): daily (default), weekly (Mon–Sun), monthly. */
export type PayoutFrequency = 'daily' | 'weekly' | 'monthly';

/** A capture's fee: `percentBp` basis points of the amount (150 = 1.5 %), rounded half-up, plus `fixed`; never more than the amount. Refunds carry no fee. */
export interface FeeModel {
  percentBp: number;
  fixed: Minor;
}

/**
 * A sales unit (MSN) as settlements see it: the organization and address the report header
 * prints, the account payouts go to, and the settlement settings Vipps keeps for it.
 */
export interface SalesUnit {
  msn: string;
  /** The ledger that settles this unit (Report API `ledgerId`, 6 digits). */
  ledgerId: string;
  saleUnitName: string;
  organizationName: string;
  /** 9 digits. */
  organizationNumber: string;
  mainAddress: string;
  /** Kept as text: leading zeros matter ("0744"). */
  mainAddressZipCode: string;
  mainAddressCity: string;
  /** "NOR" (may be empty). */
  mainAddressCountryCode: string;
  /** Payout account: 11-digit Norwegian BBAN without separators. */
  settlementAccount: string;
  /** Country of the sales unit (`NO`, `DK`, `FI`): the prefix of its recipient handle. */
  country: string;
  currency: Currency;
  settlementType: SettlementType;
  frequency: PayoutFrequency;
  fee: FeeModel;
  /** Hour (Oslo) a ledger date starts at: 0 = midnight to midnight (default), 4 = 04:00–04:00. */
  cutoffHour: number;
}

export type TransactionKind = 'capture' | 'refund';

/**
 * One capture or one refund on the ledger: a settlement report line (XML `TransactionInfo`, CSV
 * `TransactionInfo`, an XLSX row) and a Report API funds entry. Each has its own transaction ID.
 */
export interface LedgerTransaction {
  /** 10-digit numeric transaction ID (XML `TransactionID` xs:long, Report API `pspReference`). */
  transactionId: string;
  msn: string;
  kind: TransactionKind;
  /** When it happened (UTC instant); its Oslo rendering is the XML `TransactionTime`. */
  time: string;
  /** The ledger date it belongs to (Oslo, after the unit's cut-off hour). */
  ledgerDate: string;
  /** ≥ 0: the captured amount; 0 on refunds. */
  captureAmount: Minor;
  /** ≤ 0: the refunded amount, negative; 0 on captures. */
  refundAmount: Minor;
  /** captureAmount + refundAmount. */
  grossAmount: Minor;
  /** ≥ 0: the fee for this transaction; 0 on refunds. */
  feeAmount: Minor;
  /** grossAmount − feeAmount. */
  netAmount: Minor;
  currency: Currency;
  /** The merchant's orderId / reference (Recurring: the chargeId); '' when there is none. */
  orderId: string;
  /** Which API moved the money (`epayment`, `ecom`, `recurring`, `devkit` for injected ones). */
  source: string;
  /** The settlement that paid it out; null while it waits (not yet cut, or carried over). */
  settlementId: string | null;
}

/** Where a settlement's payout is: decided (money leaves the ledger) until the payout date, then paid. */
export type PayoutStatus = 'scheduled' | 'paid';

/**
 * One settlement: one payout to the sales unit's account and the report specifying it (XML
 * `SettlementInfo`). Totals are sums over its transactions (see LedgerTransaction).
 */
export interface Settlement {
  /** 7 digits, a sequence per sales unit from 2000001 (XML `SettlementID`, payout number). */
  settlementId: string;
  msn: string;
  ledgerId: string;
  currency: Currency;
  settlementType: SettlementType;
  /** The ledger date the settlement was cut at (XML `SettlementDate`): its last transaction is on or before it. */
  settlementDate: string;
  /** Ledger date of its earliest transaction (older when a balance was carried: positive-balance rule). */
  firstLedgerDate: string;
  /** When the cut was made (UTC instant: the end of `settlementDate`). */
  createdAt: string;
  /** The bank day the money reaches the account: the 2nd Norwegian bank day after settlementDate. */
  payoutDate: string;
  numberOfTransactions: number;
  captureAmount: Minor;
  /** ≤ 0. */
  refundAmount: Minor;
  grossAmount: Minor;
  /** ≥ 0. */
  feeAmount: Minor;
  netAmount: Minor;
  /** What is paid out: netAmount for Net, grossAmount for Gross (fees then invoiced). */
  settledAmount: Minor;
  /** The account paid to (the unit's, at the time of the cut). */
  settlementAccount: string;
  /** Text on the bank transfer: `Vipps utbet. 2000023 Vippsnr 57860`. */
  bankText: string;
}

/** A settlement with its payout status at some instant. */
export interface SettlementView extends Settlement {
  payoutStatus: PayoutStatus;
}

/** Report API v2 topics: the funds ledger (money for payout) and the fees ledger. */
export type Topic = 'funds' | 'fees';

export type EntryType =
  | 'capture'
  | 'refund'
  | 'fees-retained'
  | 'fees-invoiced'
  | 'scheduled-for-payout'
  | 'payout-aborted'
  | 'retained-disputed-capture'
  | 'returned-disputed-capture'
  | 'correction'
  | 'capture-fee'
  | 'top-up';

/** One Report API entry on a topic account, with the running balance (minor units). */
export interface ReportEntry {
  ledgerId: string;
  topic: Topic;
  /** Position in the ledger's topic: entries are ordered by it (feed cursors use it). */
  seq: number;
  pspReference: string;
  /** UTC instant. */
  time: string;
  ledgerDate: string;
  entryType: EntryType;
  reference: string;
  currency: Currency;
  amount: Minor;
  balanceBefore: Minor;
  balanceAfter: Minor;
  /** `NO:<msn>`; null on scheduled-for-payout, fees-retained and fees-invoiced. */
  recipientHandle: string | null;
}
