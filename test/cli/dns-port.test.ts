/**
 * Each emulator's DNS server has a port of its own: derived from the HTTP port by default, a free
 * one (with a warning) when the port it asked for is taken, and recorded, printed and used by the
 * CLI (`env`, `servers resolve --resolver emulator`). Real `serve` processes, real DNS queries.
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { Resolver } from 'node:dns/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { derivedDnsPort } from '../../src/cli/serve.js';
import { cliPath, runCli, startServeProcess, stopProcess, testStateHome } from '../helpers/cli.js';

const root = mkdtempSync(path.join(tmpdir(), 'devkit-dnsport-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Whether TCP and UDP `port` on 127.0.0.1 are both free right now. */
async function free(port: number): Promise<boolean> {
  const tcp = net.createServer();
  const udp = dgram.createSocket('udp4');
  const ok = await new Promise<boolean>((resolve) => {
    tcp.once('error', () => resolve(false)).listen(port, '127.0.0.1', () => {
      udp.once('error', () => resolve(false)).bind(port, '127.0.0.1', () => resolve(true));
    });
  });
  tcp.close();
  try {
    udp.close();
  } catch {
    /* never bound */
  }
  return ok;
}

/** An HTTP port whose derived DNS port is free too. */
async function portPair(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    if ((await free(port)) && (await free(derivedDnsPort(port)))) return port;
  }
}

async function askApiHost(dns: string): Promise<string[]> {
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([dns]);
  return resolver.resolve4('apitest.vipps.no');
}

describe('the DNS port', () => {
  it('is derived from the HTTP port: 8765 → 8053, 28765 → 28053; a free one below 1024', () => {
    expect(derivedDnsPort(8765)).toBe(8053);
    expect(derivedDnsPort(28765)).toBe(28053);
    expect(derivedDnsPort(0)).toBe(0);
    expect(derivedDnsPort(1000)).toBe(0);
  });

  it('two emulators never share one: the second, asked for a taken port, gets its own, says so, and the CLI uses it', { timeout: 60_000 }, async () => {
    const httpPort = await portPair();
    const dirA = path.join(root, 'a');
    const dirB = path.join(root, 'b');
    const a = await startServeProcess(['--port', String(httpPort), '--dns-port', String(derivedDnsPort(httpPort)), '--data-dir', dirA]);
    // B listens on 127.0.0.2, so its DNS answers apitest.vipps.no with that: A's cannot pass for it.
    const b = await startServeProcess(['--host', '127.0.0.2', '--dns-port', String(derivedDnsPort(httpPort)), '--data-dir', dirB]);
    try {
      expect(a.banner.dns).toBe(`127.0.0.1:${derivedDnsPort(httpPort)}`);
      expect(b.banner.dns).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(b.banner.dns).not.toBe(a.banner.dns);
      expect(b.stderr()).toContain(`DNS port ${derivedDnsPort(httpPort)} is taken`);
      expect(await askApiHost(a.banner.dns!)).toEqual(['127.0.0.1']);
      expect(await askApiHost(b.banner.dns!)).toEqual(['127.0.0.2']);

      // The CLI finds B's DNS server from B's data directory, and prints it for a shop's .env.
      const resolved = await runCli(['servers', 'resolve', '--env', 'mt', '--resolver', 'emulator', '--json'], 20_000, { env: { VIPPS_DEVKIT_DATA_DIR: dirB } });
      expect(JSON.parse(resolved.stdout).resolver).toBe(b.banner.dns);
      const env = await runCli(['env', '--data-dir', dirB]);
      expect(env.stdout).toContain(`VIPPS_DNS=${b.banner.dns}`);
    } finally {
      await stopProcess(b.child);
      await stopProcess(a.child);
    }
  });

  it('without --dns-port, serve on port P answers DNS on P - 712', { timeout: 60_000 }, async () => {
    const httpPort = await portPair();
    // Spawned here rather than by startServeProcess, which always passes --dns-port 0.
    const child = spawn(process.execPath, [cliPath, 'serve', '--port', String(httpPort), '--ephemeral', '--json', '--log-level', 'warn'], { env: { ...process.env, XDG_STATE_HOME: testStateHome }, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const { dns } = JSON.parse(line) as { dns: string };
      expect(dns).toBe(`127.0.0.1:${derivedDnsPort(httpPort)}`);
      expect(await askApiHost(dns)).toEqual(['127.0.0.1']);
    } finally {
      await stopProcess(child);
    }
  });
});
