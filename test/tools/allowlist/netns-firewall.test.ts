/**
 * The real thing: nftables in a network namespace made here, fed by the watcher from a local DNS
 * server. A client namespace holds two source addresses; the watcher allows one of them, TCP
 * from it reaches a listener in the firewall namespace and TCP from the other is dropped. Then DNS
 * changes, the roles swap, and the allowed set is never seen empty while that happens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_SERVER_ENVIRONMENTS } from '../../../src/environments/request-servers.js';
import { commandApplier } from '../../../src/tools/allowlist/applier.js';
import { rendererFor } from '../../../src/tools/allowlist/renderers/index.js';
import { createWatcher } from '../../../src/tools/allowlist/watcher.js';
import { skipNote } from '../../helpers/skip.js';
import { deleteNetns, missingTools, netnsUnavailable, requireNetns, run } from './system-tools.js';
import { startZone, type TestZone } from './zone.js';

const SUBNET = '10.213.71';
const FIREWALL_IP = `${SUBNET}.1`;
const FIRST = `${SUBNET}.2`;
const SECOND = `${SUBNET}.3`;
const PORT = 8443;
const TABLE = ['inet', 'vdk_netns_test'];

// Decided before the tests are collected, so that a machine without nft or network namespaces
// reports the test as skipped, with the reason in its name.
const skipReason = missingTools(['nft'], 'nftables') ?? (await netnsUnavailable());
let fw: string | undefined;
let client: string | undefined;
let listener: ChildProcess | undefined;
let zone: TestZone | undefined;
const controller = new AbortController();
let watching: Promise<unknown> | undefined;

const inNs = (ns: string, command: string, args: string[], input?: string) => run('ip', ['netns', 'exec', ns, command, ...args], input);

/** Builds the two namespaces and the listener; nft and namespaces are known to work here, so any failure is an error. */
async function setup(): Promise<void> {
  fw = await requireNetns('vdk-fw');
  client = await requireNetns('vdk-cl');
  const suffix = String(process.pid % 100000);
  const steps: [string, string[]][] = [
    ['ip', ['link', 'add', `vdkf${suffix}`, 'netns', fw, 'type', 'veth', 'peer', 'name', `vdkc${suffix}`, 'netns', client]],
    ['ip', ['-n', fw, 'addr', 'add', `${FIREWALL_IP}/24`, 'dev', `vdkf${suffix}`]],
    ['ip', ['-n', client, 'addr', 'add', `${FIRST}/24`, 'dev', `vdkc${suffix}`]],
    ['ip', ['-n', client, 'addr', 'add', `${SECOND}/24`, 'dev', `vdkc${suffix}`]],
    ['ip', ['-n', fw, 'link', 'set', `vdkf${suffix}`, 'up']],
    ['ip', ['-n', client, 'link', 'set', `vdkc${suffix}`, 'up']],
    ['ip', ['-n', fw, 'link', 'set', 'lo', 'up']],
    ['ip', ['-n', client, 'link', 'set', 'lo', 'up']],
  ];
  for (const [command, args] of steps) {
    const result = await run(command, args);
    if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr.trim()}`);
  }
  // Addresses must be usable at once: without DAD-free IPv4 this is immediate, but wait for the link.
  listener = spawn('ip', ['netns', 'exec', fw, process.execPath, '-e',
    `require('net').createServer((s) => s.end('hello\\n')).listen(${PORT}, '${FIREWALL_IP}', () => console.log('ready'))`]);
  await new Promise<void>((resolve, reject) => {
    listener!.stdout!.once('data', () => resolve());
    listener!.once('exit', (code) => reject(new Error(`listener exited with ${code}`)));
  });
}

/** One TCP attempt from the client namespace with a chosen source address. */
async function probe(from: string): Promise<'connected' | 'dropped' | string> {
  const script = `const s = require('net').connect({ host: '${FIREWALL_IP}', port: ${PORT}, localAddress: process.argv[1] });
s.setTimeout(700, () => { console.log('dropped'); process.exit(0); });
s.on('data', () => { console.log('connected'); process.exit(0); });
s.on('error', (e) => { console.log('error ' + e.code); process.exit(0); });`;
  const result = await inNs(client!, process.execPath, ['-e', script, from]);
  return result.stdout.trim();
}

async function allowedV4(): Promise<string[] | undefined> {
  const listed = await inNs(fw!, 'nft', ['-j', 'list', 'set', ...TABLE, 'allowed_v4']);
  if (listed.code !== 0) return undefined;
  const set = (JSON.parse(listed.stdout).nftables as { set?: { elem?: string[] } }[]).find((e) => e.set)?.set;
  return set?.elem ?? [];
}

/** Polls `read` until `done` holds for what it returns (every value seen is returned, in order). */
async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeout = 8000): Promise<T[]> {
  const seen: T[] = [];
  const look = async () => {
    const value = await read();
    seen.push(value);
    return value;
  };
  // A short interval: the test looks at the set many times while the watcher swaps it.
  await expect.poll(look, { timeout, interval: 5 }).toSatisfy(done);
  return seen;
}

describe.skipIf(skipReason !== undefined)(`watch drives a real nftables firewall${skipNote(skipReason)}`, () => {
  beforeAll(setup, 30_000);

  afterAll(async () => {
    controller.abort();
    await watching;
    if (listener?.pid) listener.kill();
    if (zone) await zone.close();
    if (fw) await deleteNetns(fw);
    if (client) await deleteNetns(client);
    const left = await run('ip', ['netns', 'list']);
    expect(left.stdout).not.toMatch(new RegExp(`vdk-(fw|cl)-${process.pid}-`));
  });

  it('admits the resolved source, drops the other, and swaps them atomically after a DNS change', async () => {
    const hosts = REQUEST_SERVER_ENVIRONMENTS.prod;
    zone = await startZone({
      [hosts[0]!]: { addresses: [FIRST], ttl: 0 },
      [hosts[1]!]: { addresses: [`${SUBNET}.20`], ttl: 0 },
      [hosts[2]!]: { addresses: [`${SUBNET}.21`], ttl: 0 },
      [hosts[3]!]: { addresses: [`${SUBNET}.22`], ttl: 0 },
    });
    const log: string[] = [];
    const watcher = createWatcher({
      environments: ['prod'],
      server: zone.resolver,
      renderer: rendererFor('nftables'),
      render: { ports: [PORT], name: 'vdk-netns-test', options: {} },
      apply: commandApplier({ command: `ip netns exec ${fw} nft -f -` }),
      schedule: { minIntervalMs: 150, intervalMs: 1000, backoffBaseMs: 150 },
      timeoutMs: 500,
      log: (line) => log.push(line),
    });
    watching = watcher.run(controller.signal);

    await waitFor(allowedV4, (set) => set?.includes(FIRST) === true);
    expect(await probe(FIRST)).toBe('connected');
    expect(await probe(SECOND)).toBe('dropped');

    zone.set(hosts[0]!, { addresses: [SECOND], ttl: 0 });
    const observed = await waitFor(allowedV4, (set) => set?.includes(SECOND) === true && !set.includes(FIRST));
    // Every look at the set during the change found it populated: the swap is one transaction.
    for (const set of observed) expect(set?.length).toBeGreaterThanOrEqual(3);
    expect(await probe(SECOND)).toBe('connected');
    expect(await probe(FIRST)).toBe('dropped');
    expect(log.some((line) => line.includes(`added ${SECOND}; removed ${FIRST}`))).toBe(true);

    // DNS breaks: the firewall keeps the last-known-good set.
    for (const host of hosts) zone.set(host, 'servfail');
    await waitFor(async () => watcher.status()?.health, (health) => health === 'degraded');
    expect(await allowedV4()).toContain(SECOND);
    expect(await probe(SECOND)).toBe('connected');
  });
});
