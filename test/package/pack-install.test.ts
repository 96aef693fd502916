/**
 * The package as a user gets it: `npm pack`, installed into an empty folder, then
 * `npx vipps-devkit serve` answers and `vipps-devkit/testing` imports and starts an emulator.
 * `npm test` builds dist/ before vitest runs, so the tarball is packed without scripts. The install
 * takes packages from npm's cache first (--prefer-offline), and better-sqlite3's binary from a
 * local prebuild made of the one this checkout built for this very Node (prebuild-install's
 * `local_prebuilds`): where GitHub is unreachable (CI), it would otherwise compile from source.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

const run = promisify(execFile);
const root = mkdtempSync(path.join(tmpdir(), 'devkit-pack-'));
const app = path.join(root, 'app');
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string; engines: { node: string } };
let install: { stdout: string; stderr: string; ms: number };

beforeAll(async () => {
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], { cwd: repoRoot, maxBuffer: 64 << 20 });
  const { filename } = (JSON.parse(stdout) as Array<{ filename: string }>)[0]!;

  const sqlite = JSON.parse(readFileSync(path.join(repoRoot, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string };
  const prebuilds = path.join(root, 'prebuilds');
  mkdirSync(prebuilds);
  const prebuild = `better-sqlite3-v${sqlite.version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  await run('tar', ['czf', path.join(prebuilds, prebuild), '-C', path.join(repoRoot, 'node_modules/better-sqlite3'), 'build/Release/better_sqlite3.node']);

  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'shop', private: true, type: 'module' }));
  const started = Date.now();
  const out = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(root, filename)], {
    cwd: app,
    env: { ...process.env, npm_config_better_sqlite3_local_prebuilds: prebuilds },
    maxBuffer: 64 << 20,
  });
  install = { ...out, ms: Date.now() - started };
  console.log(`[pack-install] npm install of the tarball took ${(install.ms / 1000).toFixed(1)} s`);
}, 600_000);
// The installed folder holds hundreds of packages: removing it on a loaded machine takes a while.
afterAll(() => rm(root, { recursive: true, force: true }), 180_000);

describe('npm pack, installed in a clean folder', () => {
  it('installs without engine warnings: the dependencies run on every Node that engines allows', () => {
    expect(pkg.engines.node).toBeTruthy();
    expect(`${install.stdout}\n${install.stderr}`).not.toMatch(/EBADENGINE/);
  });

  it('`npx vipps-devkit serve` starts from the installed package and answers', { timeout: 60_000 }, async () => {
    // Its own process group: npx does not pass a signal on to the serve it started.
    const child = spawn('npx', ['--no-install', 'vipps-devkit', 'serve', '--ephemeral', '--port', '0', '--no-dns', '--json'], { cwd: app, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, XDG_STATE_HOME: root }, detached: true });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const { url } = JSON.parse(line) as { url: string };
      const res = await fetch(`${url}/devkit/v1/merchants`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { merchants: unknown[] }).merchants).toHaveLength(1);
    } finally {
      const exited = once(child, 'exit');
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
  });

  it("imports `vipps-devkit/testing` (and '/allowlist') and starts an emulator from it", { timeout: 60_000 }, async () => {
    const script = `
      import { startEmulator } from 'vipps-devkit/testing';
      import { requestServerGuard } from 'vipps-devkit/allowlist';
      const vipps = await startEmulator();
      const m = await vipps.merchant();
      console.log(JSON.stringify({ url: vipps.url, token: (await vipps.accessToken(m)).split('.').length, guard: typeof requestServerGuard }));
      await vipps.close();`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app });
    expect(JSON.parse(stdout)).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), token: 3, guard: 'function' });
  });

  it('ships what runs and nothing to build: no TypeScript sources, tests or source maps', async () => {
    const { stdout } = await run('npm', ['ls', '--all', '--parseable'], { cwd: app, maxBuffer: 64 << 20 }).catch((e: { stdout: string }) => e);
    const installed = path.join(app, 'node_modules/vipps-devkit');
    const { stdout: files } = await run('find', [installed, '-type', 'f', '-not', '-path', '*/node_modules/vipps-devkit/node_modules/*']);
    const shipped = files.trim().split('\n');
    expect(shipped.filter((f) => (f.endsWith('.ts') && !f.endsWith('.d.ts')) || f.endsWith('.map') || f.includes('/test/') || f.includes('/bench/'))).toEqual([]);
    expect(shipped).toContain(path.join(installed, 'dist/src/testing/index.d.ts')); // types for TypeScript users
    expect(stdout).not.toContain('typescript'); // no compiler among the dependencies
  });
});
