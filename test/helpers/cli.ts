import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cliPath = path.join(repoRoot, 'bin/vipps-devkit.js');

export interface Banner {
  url: string;
  merchantSerialNumber: string;
  clientId: string;
  clientSecret: string;
  subscriptionKey: string;
  testUserPhoneNumber: string;
  adminToken?: string;
  dns: string | null;
}

/**
 * The per-user state directory of every process these helpers start (serve records where it runs
 * there: src/cli/emulator-state.ts): the tests' own, never the developer's ~/.local/state.
 */
export const testStateHome = mkdtempSync(path.join(tmpdir(), 'devkit-state-'));

export interface ProcessOptions {
  cwd?: string;
  env?: Record<string, string>;
}
const spawnOptions = (o: ProcessOptions) => ({ cwd: o.cwd ?? repoRoot, env: { ...process.env, XDG_STATE_HOME: testStateHome, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] });

/** Runs the built CLI to completion (tests run after `npm run build`). */
export async function runCli(args: string[], timeoutMs = 20_000, options: ProcessOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cliPath, ...args], spawnOptions(options));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  return { code: code as number | null, stdout, stderr };
}

// A failed test must not leave emulators running behind it.
const children = new Set<ChildProcess>();
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

/** Starts `vipps-devkit serve --json` as a real process and waits for its banner line. */
export async function startServeProcess(args: string[], options: ProcessOptions = {}): Promise<{ child: ChildProcess; banner: Banner; stderr: () => string }> {
  const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--dns-port', '0', '--json', '--log-level', process.env.DEVKIT_TEST_LOG ?? 'warn', ...args], spawnOptions(options));
  children.add(child);
  child.once('exit', () => children.delete(child));
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const lines = createInterface({ input: child.stdout! });
  const banner = await new Promise<Banner>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 20_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as Banner);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return { child, banner, stderr: () => stderr };
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}
