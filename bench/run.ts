/**
 * `npm run bench`: runs every benchmark module in sequence and prints its figures, each as a value
 * and, where the module measured one in the same run, as a ratio against its baseline.
 *
 *   node dist/bench/run.js                 table on stdout
 *   node dist/bench/run.js --json          the figures as JSON on stdout
 *   node dist/bench/run.js --only epayment one module (repeatable)
 *
 * Progress goes to stderr, so stdout is the result alone. Exit code 1 if any module failed; the
 * figures a failing module measured before failing are still printed.
 */
import os from 'node:os';
import { BenchFailure } from './failure.js';
import type { BenchFigure } from './figure.js';

type BenchModule = { name: string; load: () => Promise<{ default: () => Promise<BenchFigure[]> }> };

/** In run order. Modules are imported only when they run, so `--only` loads nothing else. */
const MODULES: BenchModule[] = [
  { name: 'guard', load: () => import('./guard.js') },
  { name: 'epayment', load: () => import('./epayment.js') },
  { name: 'delivery', load: () => import('./delivery.js') },
  { name: 'ecom', load: () => import('./ecom.js') },
  { name: 'startup', load: () => import('./startup.js') },
  { name: 'recurring', load: () => import('./recurring.js') },
  { name: 'login', load: () => import('./login.js') },
  { name: 'settlement-report', load: () => import('./settlement-report.js') },
  { name: 'testdata', load: () => import('./testdata.js') },
];

interface ModuleResult {
  module: string;
  seconds: number;
  figures: BenchFigure[];
  error?: string;
}

function parseArgs(argv: string[]): { json: boolean; only: string[] } {
  const options = { json: false, only: [] as string[] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--json') options.json = true;
    else if (arg === '--only') {
      const name = argv[(i += 1)];
      if (!name) throw new Error('--only needs a module name');
      options.only.push(name);
    } else if (arg.startsWith('--only=')) options.only.push(arg.slice('--only='.length));
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`usage: run.js [--json] [--only <${MODULES.map((m) => m.name).join('|')}>]...\n`);
      process.exit(0);
    } else throw new Error(`unknown argument: ${arg}`);
  }
  const unknown = options.only.filter((n) => !MODULES.some((m) => m.name === n));
  if (unknown.length > 0) throw new Error(`no benchmark named ${unknown.join(', ')} (have: ${MODULES.map((m) => m.name).join(', ')})`);
  return options;
}

const number = (v: number) =>
  !Number.isFinite(v) ? String(v) : Math.abs(v) >= 100 || Number.isInteger(v) ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3);

function table(results: ModuleResult[]): string {
  const header = ['module', 'figure', 'value', 'baseline', 'baseline value', 'ratio'];
  const rows = results.flatMap((r) =>
    r.figures.map((f) => [
      r.module,
      f.name,
      `${number(f.value)} ${f.unit}`,
      f.baseline?.name ?? '',
      f.baseline ? `${number(f.baseline.value)} ${f.unit}` : '',
      f.ratio === undefined ? '' : `${f.ratio.toFixed(3)}x`,
    ]),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const right = new Set([2, 4, 5]);
  const line = (cells: string[]) => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  for (const r of results) if (r.error) out.push(`FAILED ${r.module}: ${r.error}`);
  return `${out.join('\n')}\n`;
}

async function main() {
  // Exit through process.exit on Ctrl-C / SIGTERM so that modules' 'exit' handlers run (they
  // stop their server children and remove their temp dirs).
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  const options = parseArgs(process.argv.slice(2));
  const selected = options.only.length > 0 ? MODULES.filter((m) => options.only.includes(m.name)) : MODULES;
  const started = performance.now();
  // Figures are only as quiet as the machine: say how busy it was (other work skews req/s).
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const loadBefore = load();
  process.stderr.write(`bench: ${os.cpus().length} CPUs, load average ${loadBefore}\n`);
  const results: ModuleResult[] = [];
  for (const mod of selected) {
    process.stderr.write(`bench ${mod.name}: running\n`);
    const t0 = performance.now();
    const result: ModuleResult = { module: mod.name, seconds: 0, figures: [] };
    try {
      const { default: bench } = await mod.load();
      result.figures = await bench();
    } catch (err) {
      if (err instanceof BenchFailure) result.figures = err.figures;
      result.error = err instanceof Error ? err.message : String(err);
      process.stderr.write(`bench ${mod.name}: FAILED\n${err instanceof Error ? err.stack : String(err)}\n`);
    }
    result.seconds = (performance.now() - t0) / 1000;
    process.stderr.write(`bench ${mod.name}: ${result.error ? 'failed' : 'done'} in ${result.seconds.toFixed(1)} s\n`);
    results.push(result);
  }
  const seconds = (performance.now() - started) / 1000;
  const loadAfter = load();
  process.stderr.write(`bench: ${results.length} module(s) in ${seconds.toFixed(1)} s, load average ${loadAfter}\n`);

  if (options.json) {
    const doc = {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: os.cpus().length,
      loadAverage: { before: loadBefore, after: loadAfter },
      seconds,
      modules: results,
    };
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    process.stdout.write(table(results));
  }
  if (results.some((r) => r.error)) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});
