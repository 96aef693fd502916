import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { serversCommand } from '../../../src/cli/servers.js';
import { REQUEST_SERVER_ENVIRONMENTS } from '../../../src/environments/request-servers.js';
import { startZone, zoneOf, type TestZone } from './zone.js';

let zone: TestZone;
let dir: string;

/** Runs `vipps-devkit servers ...` in-process, capturing stdout, stderr and the exit code. */
async function cli(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  let stdout = '';
  let stderr = '';
  const program = serversCommand();
  const configure = (command: Command) => {
    command.exitOverride().configureOutput({ writeOut: (s) => void (stdout += s), writeErr: (s) => void (stderr += s) });
    command.commands.forEach(configure);
  };
  configure(program);
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  process.exitCode = 0;
  let code = 0;
  try {
    await program.parseAsync(args, { from: 'user' });
    code = Number(process.exitCode ?? 0);
  } catch (error) {
    const e = error as { exitCode?: number; code?: string; message: string };
    code = e.code === 'commander.helpDisplayed' ? 0 : (e.exitCode ?? 1);
    if (!e.code) stderr += e.message;
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = 0;
  }
  return { stdout, stderr, code };
}

beforeAll(async () => {
  zone = await startZone({
    ...zoneOf(REQUEST_SERVER_ENVIRONMENTS.prod, (_, i) => ({ addresses: [`127.0.8.${i + 1}`], ttl: 120 })),
    ...zoneOf(REQUEST_SERVER_ENVIRONMENTS.dr, (_, i) => ({ addresses: [`127.0.9.${i + 1}`, `fd00::9:${i + 1}`], ttl: 60 })),
  });
  dir = await mkdtemp(path.join(tmpdir(), 'vdk-cli-'));
});
afterAll(async () => {
  await zone.close();
  await rm(dir, { recursive: true, force: true });
});

describe('vipps-devkit servers', () => {
  it('list prints every environment, or one, as text or JSON', async () => {
    const all = await cli('list', '--json');
    expect(JSON.parse(all.stdout)).toEqual(REQUEST_SERVER_ENVIRONMENTS);
    const dr = await cli('list', '--env', 'dr');
    expect(dr.stdout.trim().split('\n')).toEqual(['# dr: production disaster recovery (fail-over for prod)', ...REQUEST_SERVER_ENVIRONMENTS.dr]);
    expect((await cli('list', '--env', 'staging')).code).not.toBe(0);
  });

  it('resolve reports records, the union per environment and failures, with a matching exit code', async () => {
    const ok = await cli('resolve', '--resolver', zone.resolverText, '--json');
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.stdout);
    expect(report.environments.prod.ipv4).toEqual(['127.0.8.1', '127.0.8.2', '127.0.8.3', '127.0.8.4']);
    expect(report.environments.dr.ipv6).toHaveLength(4);
    expect(report.minTtl).toBe(60);

    const mt = await cli('resolve', '--resolver', zone.resolverText, '--env', 'mt', '--timeout', '300');
    expect(mt.code).toBe(3); // nothing resolved
    expect(mt.stdout).toContain('callback-mt-1.vipps.no\tFAILED\tNXDOMAIN');

    zone.set('callback-dr-2.vipps.no', 'servfail');
    const partial = await cli('resolve', '--resolver', zone.resolverText);
    expect(partial.code).toBe(2);
    expect(partial.stdout).toContain('# failed: callback-dr-2.vipps.no (SERVFAIL)');
    expect(partial.stdout).toContain('callback-1.vipps.no\tA\t127.0.8.1\tttl=120');
    zone.set('callback-dr-2.vipps.no', { addresses: ['127.0.9.2', 'fd00::9:2'], ttl: 60 });
  });

  it('rules renders the chosen format and insists on ports for packet filters', async () => {
    const missing = await cli('rules', '--format', 'nftables', '--resolver', zone.resolverText);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('needs --port');
    const text = await cli('rules', '--format', 'text', '--env', 'prod', '--resolver', zone.resolverText);
    expect(text.stdout).toBe('127.0.8.1\n127.0.8.2\n127.0.8.3\n127.0.8.4\n');
    const nft = await cli('rules', '-f', 'nftables', '-p', '443', '-p', '8443', '--resolver', zone.resolverText);
    expect(nft.stdout).toContain('tcp dport { 443, 8443 }');
    expect(nft.stdout).toContain('fd00::9:4');
  });

  it('rules refuses a partial set unless asked', async () => {
    zone.set('callback-3.vipps.no', 'servfail');
    const refused = await cli('rules', '-f', 'text', '--env', 'prod', '--resolver', zone.resolverText);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    const partial = await cli('rules', '-f', 'text', '--env', 'prod', '--resolver', zone.resolverText, '--allow-partial');
    expect(partial.stdout).toBe('127.0.8.1\n127.0.8.2\n127.0.8.4\n');
    zone.set('callback-3.vipps.no', { addresses: ['127.0.8.3'], ttl: 120 });
  });

  it('watch --once writes the rules and the status file; status reads it back', async () => {
    const out = path.join(dir, 'allow.conf');
    const statusFile = path.join(dir, 'status.json');
    const watched = await cli('watch', '-f', 'nginx', '--env', 'prod', '--resolver', zone.resolverText, '--out', out, '--status-file', statusFile, '--once');
    expect(watched.code).toBe(0);
    expect(watched.stderr).toContain('applied nginx rules: added 127.0.8.1, 127.0.8.2, 127.0.8.3, 127.0.8.4; removed none');
    expect(await readFile(out, 'utf8')).toContain('allow 127.0.8.4;\ndeny all;');
    const status = await cli('status', '--status-file', statusFile);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^ok: 4 addresses applied/);

    zone.set('callback-4.vipps.no', 'drop');
    const degraded = await cli('watch', '-f', 'nginx', '--env', 'prod', '--resolver', zone.resolverText, '--timeout', '200', '--out', out, '--status-file', statusFile, '--once');
    expect(degraded.code).toBe(2);
    expect(await readFile(out, 'utf8')).toContain('allow 127.0.8.4;'); // kept from the status file
    expect((await cli('status', '--status-file', statusFile)).code).toBe(2);

    const failedApply = await cli('watch', '-f', 'text', '--env', 'prod', '--resolver', zone.resolverText, '--timeout', '200', '--apply', 'exit 7', '--once');
    expect(failedApply.code).toBe(3);
    expect(failedApply.stderr).toContain('apply failed');
    zone.set('callback-4.vipps.no', { addresses: ['127.0.8.4'], ttl: 120 });
  });

  it('has --help everywhere', async () => {
    for (const sub of [[], ['list'], ['resolve'], ['rules'], ['watch'], ['status']]) {
      const help = await cli(...sub, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Usage:');
    }
    expect((await cli('rules', '--help')).stdout).toContain('kubernetes');
  });
});
