import { randomUUID } from 'node:crypto';
import { ledgerDateEnd, ledgerDateOf } from '../../../src/apis/settlements/domain/calendar.js';
import type { TestEmulator } from '../../helpers/emulator.js';

export async function emulatorNow(emu: TestEmulator): Promise<Date> {
  return new Date((await emu.call('GET', '/devkit/v1/clock')).body.now as string);
}

/** Moves the emulator clock to just after `at` (never backwards). */
export async function advanceTo(emu: TestEmulator, at: Date): Promise<void> {
  const now = await emulatorNow(emu);
  const ms = at.getTime() - now.getTime() + 1_000;
  if (ms > 0) {
    const res = await emu.call('POST', '/devkit/v1/clock/advance', { body: { milliseconds: ms } });
    if (res.status !== 200) throw new Error(`advance: ${res.status} ${res.text}`);
  }
}

/** Moves the clock past the end of today's ledger date (Oslo midnight); returns the date that closed. */
export async function closeToday(emu: TestEmulator): Promise<string> {
  const today = ledgerDateOf(await emulatorNow(emu), 0);
  await advanceTo(emu, ledgerDateEnd(today, 0));
  return today;
}

/** An ePayment payment created, approved by the first test user and captured (amount in øre). */
export async function capturedPayment(emu: TestEmulator, amount: number, captured = amount): Promise<string> {
  const { reference, response } = await emu.createPayment({ amount: { currency: 'NOK', value: amount } });
  if (response.status !== 201) throw new Error(`create: ${response.status} ${response.text}`);
  const approved = await emu.call('POST', `/epayment/v1/test/payments/${reference}/approve`, { body: {} });
  if (approved.status !== 200) throw new Error(`approve: ${approved.status} ${approved.text}`);
  const res = await emu.call('POST', `/epayment/v1/payments/${reference}/capture`, { idempotencyKey: randomUUID(), body: { modificationAmount: { currency: 'NOK', value: captured } } });
  if (res.status !== 200) throw new Error(`capture: ${res.status} ${res.text}`);
  return reference;
}

/** Report API call: a fresh token (clock jumps expire the old one) and the key, no MSN header (the Report API does not use it). */
export const report = async (emu: TestEmulator, path: string) =>
  emu.call('GET', path, { headers: { 'merchant-serial-number': undefined, authorization: `Bearer ${await emu.fetchToken()}` } });
