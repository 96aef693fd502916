import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REQUEST_SERVER_ENVIRONMENTS } from '../../../src/environments/request-servers.js';
import { commandApplier, type Applier } from '../../../src/tools/allowlist/applier.js';
import { rendererFor } from '../../../src/tools/allowlist/renderers/index.js';
import { readStatus } from '../../../src/tools/allowlist/status.js';
import { createWatcher, type WatchOptions } from '../../../src/tools/allowlist/watcher.js';
import { startZone, zoneOf, type TestZone } from './zone.js';

const prod = REQUEST_SERVER_ENVIRONMENTS.prod;
let zone: TestZone;
let dir: string;
let now: number;
const clock = { now: () => now };

function resetZone(ttl = 60) {
  for (const [name, answer] of Object.entries(zoneOf(prod, (_, i) => ({ addresses: [`127.0.1.${i + 1}`], ttl })))) zone.set(name, answer);
}

/** Records every apply; the rules text is what nft/iptables would have received. */
function recordingApplier(): Applier & { calls: { rules: string; previous?: string }[] } {
  const calls: { rules: string; previous?: string }[] = [];
  const apply = (async (rules: string, previous: string | undefined) => {
    calls.push({ rules, ...(previous === undefined ? {} : { previous }) });
  }) as Applier & { calls: typeof calls };
  apply.calls = calls;
  return apply;
}

function watcherWith(apply: Applier, extra: Partial<WatchOptions> = {}) {
  const log: string[] = [];
  const watcher = createWatcher({
    environments: ['prod'],
    server: zone.resolver,
    renderer: rendererFor('text'),
    render: { ports: [443], name: 'vipps', options: {} },
    apply,
    schedule: { intervalMs: 300_000, minIntervalMs: 5_000, backoffBaseMs: 1_000 },
    timeoutMs: 200,
    clock,
    log: (line) => log.push(line),
    ...extra,
  });
  return { watcher, log };
}

beforeAll(async () => {
  zone = await startZone({});
});
afterAll(() => zone.close());
beforeEach(async () => {
  now = Date.parse('2030-01-01T00:00:00Z');
  resetZone();
  dir = await mkdtemp(path.join(tmpdir(), 'vdk-watch-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('watcher', () => {
  it('applies on start, re-applies only on change, and logs what was added and removed on rotation', async () => {
    const apply = recordingApplier();
    const { watcher, log } = watcherWith(apply);
    const first = await watcher.tick();
    expect(first.health).toBe('ok');
    expect(apply.calls).toHaveLength(1);
    expect(apply.calls[0]!.rules).toBe('127.0.1.1\n127.0.1.2\n127.0.1.3\n127.0.1.4\n');

    expect((await watcher.tick()).changed).toBe(false);
    expect(apply.calls).toHaveLength(1);

    zone.set('callback-2.vipps.no', { addresses: ['127.0.9.2'], ttl: 60 }); // rotation
    const rotated = await watcher.tick();
    expect(rotated.changed).toBe(true);
    expect(rotated.diff).toEqual({ added: ['127.0.9.2'], removed: ['127.0.1.2'] });
    expect(apply.calls[1]).toEqual({ rules: '127.0.1.1\n127.0.1.3\n127.0.1.4\n127.0.9.2\n', previous: apply.calls[0]!.rules });
    expect(log.at(-1)).toContain('added 127.0.9.2; removed 127.0.1.2');
  });

  it('renders the new nftables rules after a rotation', async () => {
    const apply = recordingApplier();
    const { watcher } = watcherWith(apply, { renderer: rendererFor('nftables') });
    await watcher.tick();
    zone.set('callback-4.vipps.no', { addresses: ['127.0.9.4', 'fd00::9:4'], ttl: 60 });
    await watcher.tick();
    const rules = apply.calls[1]!.rules;
    expect(rules).toContain('add element inet vipps allowed_v4 { 127.0.1.1, 127.0.1.2, 127.0.1.3, 127.0.9.4 }');
    expect(rules).toContain('add element inet vipps allowed_v6 { fd00::9:4 }');
    expect(rules).not.toContain('127.0.1.4');
  });

  it.each([
    ['SERVFAIL', 'servfail' as const],
    ['timeout', 'drop' as const],
    ['empty answer', { addresses: [], ttl: 60 }],
    ['NXDOMAIN', undefined],
  ])('keeps the last-known-good addresses on %s and backs off', async (_, failure) => {
    const apply = recordingApplier();
    const { watcher, log } = watcherWith(apply);
    await watcher.tick();
    zone.set('callback-3.vipps.no', failure);
    const failed = await watcher.tick();
    expect(failed.health).toBe('degraded');
    expect(failed.changed).toBe(false);
    expect(apply.calls).toHaveLength(1); // nothing re-applied: 127.0.1.3 stays allowed
    expect(watcher.status()!.applied.ipv4).toContain('127.0.1.3');
    expect(log.join('\n')).toMatch(/callback-3\.vipps\.no: \w+ .*keeping its last-known-good addresses/);
    expect(failed.delayMs).toBe(1_000);
    expect((await watcher.tick()).delayMs).toBe(2_000); // exponential backoff
  });

  it('never applies an empty set when everything fails from the start', async () => {
    for (const host of prod) zone.set(host, 'servfail');
    const apply = recordingApplier();
    const { watcher } = watcherWith(apply);
    const result = await watcher.tick();
    expect(result.health).toBe('failing');
    expect(apply.calls).toHaveLength(0);
  });

  it('honours the TTL, bounded by the minimum and maximum interval', async () => {
    const { watcher } = watcherWith(recordingApplier());
    resetZone(42);
    expect((await watcher.tick()).delayMs).toBe(42_000);
    resetZone(1);
    expect((await watcher.tick()).delayMs).toBe(5_000);
    resetZone(86_400);
    expect((await watcher.tick()).delayMs).toBe(300_000);
  });

  it('re-resolves when the TTL expires in its run loop, and stops on abort', async () => {
    resetZone(30);
    const delays: number[] = [];
    const controller = new AbortController();
    const apply = recordingApplier();
    const { watcher } = watcherWith(apply, {
      sleep: async (ms) => {
        delays.push(ms);
        now += ms;
        if (delays.length === 1) zone.set('callback-1.vipps.no', { addresses: ['127.0.9.1'], ttl: 30 });
        if (delays.length === 2) controller.abort();
      },
    });
    const before = zone.server.queries;
    const status = await watcher.run(controller.signal);
    expect(delays).toEqual([30_000, 30_000]);
    expect(zone.server.queries - before).toBe(2 * 4 * 2); // two rounds of A+AAAA for four hosts
    expect(apply.calls).toHaveLength(2);
    expect(status.applied.ipv4).toContain('127.0.9.1');
    expect(Date.parse(status.nextCheckAt) - Date.parse(status.checkedAt)).toBe(30_000);
  });

  it('rolls back a failed apply command and reports it, then succeeds once the command does', async () => {
    const out = path.join(dir, 'rules.txt');
    const applied = path.join(dir, 'applied.txt');
    const flag = path.join(dir, 'fail');
    const runs = path.join(dir, 'runs');
    // A stand-in for `nft -f -`: while the flag file exists it rejects rules that allow 127.0.9.1.
    const command = [
      'rules=$(cat)',
      `if [ -e ${flag} ] && printf '%s' "$rules" | grep -q 127.0.9.1; then echo rejected >> ${runs}; echo "rule rejected" >&2; exit 1; fi`,
      `printf '%s\\n' "$rules" > ${applied}`,
      `echo ok >> ${runs}`,
    ].join('; ');
    const statusFile = path.join(dir, 'status.json');
    const { watcher, log } = watcherWith(commandApplier({ command, outFile: out }), { statusFile });
    await watcher.tick();
    const good = await readFile(applied, 'utf8');
    expect(good).toContain('127.0.1.1');

    await writeFile(flag, '');
    zone.set('callback-1.vipps.no', { addresses: ['127.0.9.1'], ttl: 60 });
    const failed = await watcher.tick();
    expect(failed.health).toBe('failing');
    expect(failed.error).toMatch(/rule rejected.*previous rules restored/);
    expect(log.at(-1)).toContain('apply failed (rolled back)');
    expect(await readFile(out, 'utf8')).toBe(good); // the file is back to what is in force
    expect(await readFile(applied, 'utf8')).toBe(good);
    expect(await readFile(runs, 'utf8')).toBe('ok\nrejected\nok\n'); // the command re-ran with the previous rules
    const status = await readStatus(statusFile);
    expect(status?.health).toBe('failing');
    expect(status?.applied.ipv4).toContain('127.0.1.1');

    await rm(flag);
    const retried = await watcher.tick();
    expect(retried.changed).toBe(true);
    expect(await readFile(applied, 'utf8')).toContain('127.0.9.1');
  });

  it('restarts from the status file during a DNS outage without shrinking the set', async () => {
    const statusFile = path.join(dir, 'status.json');
    await watcherWith(recordingApplier(), { statusFile }).watcher.tick();
    for (const host of prod) zone.set(host, 'servfail');
    const previous = await readStatus(statusFile);
    const apply = recordingApplier();
    const { watcher } = watcherWith(apply, { statusFile, initialHosts: previous!.hosts });
    const result = await watcher.tick();
    expect(result.health).toBe('degraded');
    expect(apply.calls[0]!.rules).toBe('127.0.1.1\n127.0.1.2\n127.0.1.3\n127.0.1.4\n');
  });
});
