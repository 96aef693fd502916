/**
 * Summarises V8 CPU profiles (from `BENCH_CPU_PROF=<dir> node dist/bench/run.js --only epayment`):
 * self time by area (package / our module / native / GC / idle) and the hottest functions.
 *
 *   node dist/bench/profile-summary.js <file.cpuprofile>... [--top N]
 *
 * Native frames (no URL: better-sqlite3's step/run, crypto, JSON.parse, ...) are charged to the
 * area of the nearest JavaScript caller, marked "(native)", so that e.g. SQLite's own work and
 * its fsync show up under the code that asked for them.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function area(url: string): string {
  if (!url) return '';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /\/dist\/(src|bench)\/(.+)\.js$/.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  if (url.startsWith('node:')) {
    const m = /^node:(internal\/)?([^/]+)/.exec(url);
    return `node:${m?.[2] ?? url}`;
  }
  return url;
}

function summarise(file: string, top: number) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const areaOf = new Map<number, string>();
  const resolve = (id: number): string => {
    const cached = areaOf.get(id);
    if (cached !== undefined) return cached;
    const node = byId.get(id)!;
    const fn = node.callFrame.functionName;
    let result: string;
    if (['(idle)', '(garbage collector)', '(program)', '(root)'].includes(fn)) result = fn;
    else if (node.callFrame.url) result = area(node.callFrame.url);
    else {
      let p = parent.get(id);
      while (p !== undefined && !byId.get(p)!.callFrame.url) p = parent.get(p);
      result = p === undefined ? '(native, no caller)' : `${area(byId.get(p)!.callFrame.url)} (native)`;
    }
    areaOf.set(id, result);
    return result;
  };

  const selfById = new Map<number, number>();
  profile.samples.forEach((id, i) => selfById.set(id, (selfById.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfById.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfById.entries()].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, v]) => a + v, 0);
  const busy = total - idle;

  const byArea = new Map<string, number>();
  const byFn = new Map<string, number>();
  for (const [id, us] of selfById) {
    const a = resolve(id);
    byArea.set(a, (byArea.get(a) ?? 0) + us);
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const key = `${functionName || '(anonymous)'}  ${url ? `${area(url)}:${lineNumber + 1}` : `[${a}]`}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
  }
  // Inclusive: a sample counts once for every area that appears anywhere on its stack.
  const inclusive = new Map<string, number>();
  const fnInclusive = new Map<string, number>();
  const stackAreas = new Map<number, { areas: Set<string>; fns: Set<string> }>();
  const stackOf = (id: number) => {
    let cached = stackAreas.get(id);
    if (cached) return cached;
    const areas = new Set<string>();
    const fns = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const { url, functionName, lineNumber } = byId.get(n)!.callFrame;
      if (url) {
        areas.add(area(url));
        fns.add(`${functionName || '(anonymous)'}  ${area(url)}:${lineNumber + 1}`);
      }
    }
    cached = { areas, fns };
    stackAreas.set(id, cached);
    return cached;
  };
  for (const [id, us] of selfById) {
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    const { areas, fns } = stackOf(id);
    for (const a of areas) inclusive.set(a, (inclusive.get(a) ?? 0) + us);
    for (const f of fns) fnInclusive.set(f, (fnInclusive.get(f) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
  const out: string[] = [];
  out.push(`${file}`);
  out.push(`  wall ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (${((100 * busy) / total).toFixed(0)}%), idle ${(idle / 1e6).toFixed(1)} s — percentages are of busy time`);
  out.push('  self time by area:');
  for (const [a, us] of [...byArea].filter(([a]) => a !== '(idle)').sort((x, y) => y[1] - x[1]).slice(0, top)) out.push(`    ${pct(us)} ${ms(us)}  ${a}`);
  out.push('  inclusive time by area (anywhere on the stack; areas overlap):');
  for (const [a, us] of [...inclusive].sort((x, y) => y[1] - x[1]).slice(0, top)) out.push(`    ${pct(us)} ${ms(us)}  ${a}`);
  out.push('  inclusive time of our own functions (src/):');
  for (const [f, us] of [...fnInclusive].filter(([f]) => f.includes(' src/')).sort((x, y) => y[1] - x[1]).slice(0, top)) out.push(`    ${pct(us)} ${ms(us)}  ${f}`);
  out.push('  hottest functions (self):');
  for (const [f, us] of [...byFn].filter(([f]) => !f.startsWith('(idle)')).sort((x, y) => y[1] - x[1]).slice(0, top)) out.push(`    ${pct(us)} ${ms(us)}  ${f}`);
  return out.join('\n');
}

const args = process.argv.slice(2);
const topIndex = args.indexOf('--top');
const top = topIndex >= 0 ? Number(args.splice(topIndex, 2)[1]) : 30;
if (args.length === 0) {
  process.stderr.write('usage: profile-summary.js <file.cpuprofile>... [--top N]\n');
  process.exitCode = 2;
} else {
  for (const file of args) process.stdout.write(`${summarise(file, top)}\n\n`);
}
