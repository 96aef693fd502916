/**
 * What the benchmarks that drive a real `vipps-devkit serve` share: the process on a fresh data
 * directory (its JSON banner gives the URL and the seeded merchant), stopped and cleaned up once,
 * also when the bench run exits early; and a pool that runs numbered work at a fixed concurrency.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export type ServeBanner = { url: string; merchantSerialNumber: string; clientId: string; clientSecret: string; subscriptionKey: string };

export interface ServeProcess {
  banner: ServeBanner;
  dir: string;
  child: ChildProcess;
  /** Ends the process and removes its data directory (once). */
  stop(): void;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `serve --port 0 --no-dns --json` on a new data directory named after the bench; `args` adds flags, `nodeArgs` goes to node. */
export async function startServe(bench: string, o: { args?: string[]; nodeArgs?: string[] } = {}): Promise<ServeProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), `vipps-devkit-bench-${bench}-`));
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), path.join(repoRoot, 'bin/vipps-devkit.js'), 'serve', '--port', '0', '--no-dns', '--json', '--log-level', 'warn', ...(o.args ?? []), '--data-dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const kill = () => child.kill('SIGTERM');
  process.once('exit', kill);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    kill();
    process.removeListener('exit', kill);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`serve exited (${code}) before its banner`)));
    });
    return { banner: JSON.parse(line) as ServeBanner, dir, child, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

/** Runs work(0 … count-1), `concurrency` at a time. */
export async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await work(next++);
  }));
}
