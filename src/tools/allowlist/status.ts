/** The watcher's health as written to --status-file, and the exit codes that mirror it. */
import { readFile } from 'node:fs/promises';
import type { AddressSet } from './address-set.js';
import type { KnownHosts } from './last-known-good.js';
import { writeAtomically } from './applier.js';

/**
 * ok: every host resolved and the rules in force match DNS.
 * degraded: some hosts failed; their last-known-good addresses are kept in force.
 * failing: no usable set yet, or the last apply failed (the previous rules stay in force).
 */
export type Health = 'ok' | 'degraded' | 'failing';

export const EXIT_CODES: Readonly<Record<Health | 'stale', number>> = { ok: 0, degraded: 2, failing: 3, stale: 4 };

export type WatchStatus = {
  health: Health;
  format: string;
  checkedAt: string;
  nextCheckAt: string;
  lastSuccessAt?: string;
  lastChangeAt?: string;
  consecutiveFailures: number;
  failedHosts: { hostname: string; code: string }[];
  lastError?: string;
  /** The set currently applied (empty until the first successful apply). */
  applied: AddressSet;
  /** Last-known-good per host; read back on start so a restart during a DNS outage keeps it. */
  hosts: KnownHosts;
};

export async function writeStatus(file: string, status: WatchStatus): Promise<void> {
  await writeAtomically(file, JSON.stringify(status, null, 2) + '\n');
}

export async function readStatus(file: string): Promise<WatchStatus | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as WatchStatus;
  } catch {
    return undefined;
  }
}

/** A status whose next check is long overdue means the watcher is not running. */
export function isStale(status: WatchStatus, now: number, graceMs = 60_000): boolean {
  return Date.parse(status.nextCheckAt) + graceMs < now;
}
