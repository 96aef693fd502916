/**
 * Cold start: launch → first answered request, for `vipps-devkit serve` (in memory, no DNS) and,
 * as the baseline in the same run, a bare `node -e` HTTP server. Each launched RUNS times,
 * alternately; the medians are compared. `npm start` is the same process (it no longer builds).
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
async function firstAnswer(args: string[], requestPath: string, env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before it printed its URL`)));
    });
    const { url } = JSON.parse(line) as { url: string };
    await (await fetch(`${url}${requestPath}`)).text();
    return performance.now() - started;
  } finally {
    child.kill('SIGKILL');
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export default async function startupBench(): Promise<BenchFigure[]> {
  const stateHome = mkdtempSync(path.join(tmpdir(), 'vipps-devkit-bench-startup-'));
  // serve records where it runs: in a directory of the bench's own, not the user's.
  const env = { ...process.env, XDG_STATE_HOME: stateHome };
  const serve = ['bin/vipps-devkit.js', 'serve', '--ephemeral', '--no-dns', '--port', '0', '--json', '--log-level', 'warn'];
  const served: number[] = [];
  const bare: number[] = [];
  try {
    for (let i = 0; i < RUNS; i += 1) {
      progress(`run ${i + 1} of ${RUNS}`);
      served.push(await firstAnswer(serve, '/api/v2/summary.json', env));
      bare.push(await firstAnswer(['-e', BARE], '/', env));
    }
  } finally {
    rmSync(stateHome, { recursive: true, force: true });
  }
  const value = median(served);
  const base = median(bare);
  return [{ name: 'serve: launch → first answer', value: Math.round(value), unit: 'ms', baseline: { name: 'bare node -e HTTP server', value: Math.round(base) }, ratio: value / base }];
}
