/**
 * `vipps-devkit testdata people --count 1000000` as a user runs it (the CLI in its own process,
 * stdout read through a pipe): wall time and peak memory (max RSS). Baselines measured in the same
 * run: a bare node loop writing as many lines of the same length to the same pipe (what writing
 * alone costs), and the same command at 10,000 rows (flat memory means a ratio near 1).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchFigure } from './figure.js';

const ROWS = 1_000_000;
const SMALL = 10_000;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const progress = (line: string) => process.stderr.write(`  [testdata] ${line}\n`);

/** Loaded first in the child: reports its own peak memory on stderr as it exits. */
const REPORT_MAX_RSS = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\nmaxRSS='+process.resourceUsage().maxRSS+'\\n'))`;

/** A bare writer: `n` lines of `width` characters, waiting for 'drain' as a stream should. */
const BARE = (n: number, width: number) =>
  `const line='x'.repeat(${width - 1})+'\\n';let i=0;const w=()=>{while(i<${n}){i++;if(!process.stdout.write(line)){process.stdout.once('drain',w);return}}};w();`;

interface Run {
  ms: number;
  maxRssMb: number;
  lines: number;
  bytes: number;
}

async function run(args: string[]): Promise<Run> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', REPORT_MAX_RSS, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let lines = 0;
  let bytes = 0;
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  });
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const ms = performance.now() - started;
  const rss = /maxRSS=(\d+)/.exec(stderr);
  if (code !== 0 || !rss) throw new Error(`${args.join(' ')} exited with ${code}: ${stderr.slice(0, 500)}`);
  return { ms, maxRssMb: Number(rss[1]) / 1024, lines, bytes };
}

export default async function testdataBench(): Promise<BenchFigure[]> {
  const people = (count: number) => ['bin/vipps-devkit.js', 'testdata', 'people', '--count', String(count), '--seed', '1', '--today', '2026-01-01'];
  progress(`people --count ${SMALL.toLocaleString('en')}`);
  const small = await run(people(SMALL));
  progress(`people --count ${ROWS.toLocaleString('en')}`);
  const big = await run(people(ROWS));
  if (big.lines !== ROWS + 1) throw new Error(`expected ${ROWS + 1} lines (header + rows), got ${big.lines}`);
  const width = Math.round(big.bytes / big.lines);
  progress(`bare node loop: ${ROWS.toLocaleString('en')} lines of ${width} characters`);
  const bare = await run(['-e', BARE(ROWS + 1, width)]);
  const label = `testdata people --count ${ROWS.toLocaleString('en')} (CSV)`;
  return [
    { name: `${label}: time`, value: Math.round(big.ms), unit: 'ms', baseline: { name: 'bare node loop writing the same lines', value: Math.round(bare.ms) }, ratio: big.ms / bare.ms },
    { name: `${label}: rows per second`, value: Math.round(ROWS / (big.ms / 1000)), unit: 'rows/s' },
    { name: `${label}: peak memory`, value: Math.round(big.maxRssMb), unit: 'MB', baseline: { name: 'bare node loop writing the same lines', value: Math.round(bare.maxRssMb) }, ratio: big.maxRssMb / bare.maxRssMb },
    { name: `${label}: peak memory vs ${SMALL.toLocaleString('en')} rows`, value: Math.round(big.maxRssMb), unit: 'MB', baseline: { name: `the same command, ${SMALL.toLocaleString('en')} rows`, value: Math.round(small.maxRssMb) }, ratio: big.maxRssMb / small.maxRssMb },
  ];
}
