/**
 * Cold start: launch → first answered request, for `vipps-devkit serve` (in memory, no DNS), for
 * `npm start` (the same serve behind npm's own start-up; it no longer builds) and, as the baseline
 * in the same run, a bare `node -e` HTTP server. Each launched RUNS times, alternately; the
 * medians are compared.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BenchFigure } from './figure.js';

const RUNS = 7;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const progress = (line: string) => process.stderr.write(`  [startup] ${line}\n`);
const BARE = `require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () { console.log(JSON.stringify({ url: 'http://127.0.0.1:' + this.address().port })); });`;

/** Milliseconds from spawn to the first answer of `path` on the URL the process prints first. */
async function firstAnswer(args: string[], requestPath: string, env: NodeJS.ProcessEnv, command = process.execPath): Promise<number> {
  const started = performance.now();
  // A group of its own: npm runs serve as its child, and the kill below must reach both.
  const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before it printed its URL`)));
    });
    const { url } = JSON.parse(line) as { url: string };
    await (await fetch(`${url}${requestPath}`)).text();
    return performance.now() - started;
  } finally {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export default async function startupBench(): Promise<BenchFigure[]> {
  const stateHome = mkdtempSync(path.join(tmpdir(), 'vipps-devkit-bench-startup-'));
  // serve records where it runs: in a directory of the bench's own, not the user's.
  const env = { ...process.env, XDG_STATE_HOME: stateHome };
  const serve = ['bin/vipps-devkit.js', 'serve', '--ephemeral', '--no-dns', '--port', '0', '--json', '--log-level', 'warn'];
  // --silent: npm prints no header, so serve's banner is the first line.
  const npmStart = ['start', '--silent', '--', ...serve.slice(2)];
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const served: number[] = [];
  const started: number[] = [];
  const bare: number[] = [];
  try {
    for (let i = 0; i < RUNS; i += 1) {
      progress(`run ${i + 1} of ${RUNS}`);
      served.push(await firstAnswer(serve, '/api/v2/summary.json', env));
      started.push(await firstAnswer(npmStart, '/api/v2/summary.json', env, npm));
      bare.push(await firstAnswer(['-e', BARE], '/', env));
    }
  } finally {
    rmSync(stateHome, { recursive: true, force: true });
  }
  const base = median(bare);
  const figure = (name: string, values: number[]): BenchFigure => {
    const value = median(values);
    return { name, value: Math.round(value), unit: 'ms', baseline: { name: 'bare node -e HTTP server', value: Math.round(base) }, ratio: value / base };
  };
  return [figure('serve: launch → first answer', served), figure('npm start: launch → first answer', started)];
}
