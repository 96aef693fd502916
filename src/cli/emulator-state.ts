import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Where a running `serve` can be found: written by `serve` once it listens, read by every command
 * that talks to an emulator when no `--url` is given. Two places: the data directory (the
 * emulator of this project folder) and a per-user file (the emulator started last, wherever).
 */
export interface EmulatorState {
  url: string;
  port: number;
  /** The built-in DNS server, `host:port`, when it runs. */
  dns: string | null;
  /** The HTTPS listener (`serve --https-port`) and the CA file its certificate comes from. */
  httpsUrl?: string;
  caFile?: string;
  /** The control API's admin token, when the emulator requires one (the files are private to the user). */
  adminToken?: string;
  pid: number;
  /** The data directory, or `postgresql` / `memory`. */
  storage: string;
  startedAt: string;
}

export const STATE_FILE_NAME = 'emulator.json';

/** The per-user file: `$XDG_STATE_HOME/vipps-devkit/emulator.json` (`~/.local/state/…` by default). */
export function userStateFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'vipps-devkit', STATE_FILE_NAME);
}

export function dataDirStateFile(dataDir: string): string {
  return path.join(path.resolve(dataDir), STATE_FILE_NAME);
}

/** Writes the state to each file (atomically, readable by the user only); returns the files written. */
export function writeEmulatorState(files: readonly string[], state: EmulatorState): string[] {
  const written: string[] = [];
  for (const file of files) {
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
      chmodSync(tmp, 0o600);
      renameSync(tmp, file);
      written.push(file);
    } catch {
      // A read-only home or data directory: the CLI then needs --url, as before.
    }
  }
  return written;
}

/** Removes the files this process wrote, unless a later `serve` has taken them over meanwhile. */
export function removeEmulatorState(files: readonly string[], pid = process.pid): void {
  for (const file of files) {
    const found = readEmulatorState(file);
    if (found.kind !== 'missing' && found.kind !== 'unreadable' && found.state.pid === pid) rmSync(file, { force: true });
  }
}

export type StateLookup =
  | { kind: 'running'; file: string; state: EmulatorState }
  | { kind: 'stale'; file: string; state: EmulatorState }
  | { kind: 'missing'; file: string }
  | { kind: 'unreadable'; file: string; reason: string };

/** Reads one state file; `stale` when the process that wrote it is gone. */
export function readEmulatorState(file: string): StateLookup {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { kind: 'missing', file };
  }
  try {
    const state = JSON.parse(text) as EmulatorState;
    if (typeof state.url !== 'string' || typeof state.pid !== 'number') return { kind: 'unreadable', file, reason: 'no url or pid in it' };
    return { kind: alive(state.pid) ? 'running' : 'stale', file, state };
  } catch (err) {
    return { kind: 'unreadable', file, reason: (err as Error).message };
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
