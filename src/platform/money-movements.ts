/**
 * Money that moved for a sales unit: every capture and every refund, whichever API made it.
 * The payment APIs (ePayment — and so Checkout's payments —, eCom, Recurring) tell the port inside
 * the command that captured or refunded; the settlements module records them as ledger entries in
 * that same transaction. So a capture and its ledger entry commit or roll back together: nothing
 * is lost, and (keyed by `source` + `sourceId`) nothing is recorded twice.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

export interface MoneyMovement {
  /** The API that moved the money: `epayment`, `ecom`, `recurring`. */
  source: string;
  /** Unique within the source for this one movement (an event's pspReference, a payment version). */
  sourceId: string;
  msn: string;
  kind: 'capture' | 'refund';
  /** Positive, in minor units (øre). */
  amount: number;
  currency: string;
  /** The merchant's reference / orderId (Recurring: the charge's orderId or chargeId). */
  reference: string;
  /** When it happened (ISO instant, emulator clock). */
  at: string;
}

export type MovementRecorder = (trx: Transaction<Database>, movements: readonly MoneyMovement[]) => Promise<void>;

export class MoneyMovements {
  private recorder: MovementRecorder | undefined;

  /** Called by the module that keeps the ledger, in its start. */
  recordWith(recorder: MovementRecorder): void {
    if (this.recorder) throw new Error('a money-movement recorder is already registered');
    this.recorder = recorder;
  }

  /** Called by a payment API inside the command that captured or refunded. */
  async record(trx: Transaction<Database>, movements: readonly MoneyMovement[]): Promise<void> {
    if (movements.length === 0 || !this.recorder) return;
    await this.recorder(trx, movements);
  }
}
