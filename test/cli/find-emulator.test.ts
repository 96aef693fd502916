/**
 * The CLI finds its emulator without --url: `serve` records where it runs (in its data directory
 * and a per-user file), every command reads that, and says what it tried when nothing answers.
 * Real processes: the built CLI, `serve` on a free port.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startServeProcess, stopProcess } from '../helpers/cli.js';

// The fallback when nothing is recorded is the default port: the stale-record test needs it free.
const defaultPortTaken = await new Promise<boolean>((resolve) => {
  const socket = connect(8765, '127.0.0.1', () => {
    socket.destroy();
    resolve(true);
  }).once('error', () => resolve(false));
});
const root = mkdtempSync(path.join(tmpdir(), 'devkit-find-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A project folder with its own data directory, and a state home of its own (the per-user file). */
function workspace(name: string) {
  const project = path.join(root, name, 'shop');
  const elsewhere = path.join(root, name, 'elsewhere');
  const stateHome = path.join(root, name, 'state');
  for (const dir of [project, elsewhere, stateHome]) mkdirSync(dir, { recursive: true });
  return { project, elsewhere, env: { XDG_STATE_HOME: stateHome }, dataDir: path.join(project, '.vipps-devkit'), userFile: path.join(stateHome, 'vipps-devkit', 'emulator.json') };
}

describe('commands find the emulator that serve recorded', () => {
  it('from the project folder (its data directory) and from anywhere (the per-user file), admin token included; gone after a clean stop', { timeout: 60_000 }, async () => {
    const w = workspace('recorded');
    const serve = await startServeProcess(['--admin-token', 'sesame'], { cwd: w.project, env: w.env });
    try {
      const recorded = JSON.parse(readFileSync(path.join(w.dataDir, 'emulator.json'), 'utf8'));
      expect(recorded).toMatchObject({ url: serve.banner.url, pid: serve.child.pid, adminToken: 'sesame' });
      expect(JSON.parse(readFileSync(w.userFile, 'utf8')).url).toBe(serve.banner.url);

      // No --url, no --admin-token: the control API requires the token, and the command has it.
      const here = await runCli(['faults', 'list', '--json'], 20_000, { cwd: w.project, env: w.env });
      expect({ code: here.code, stderr: here.stderr }).toEqual({ code: 0, stderr: '' });
      expect(JSON.parse(here.stdout)).toEqual([]);
      const there = await runCli(['servers', 'active', '--json'], 20_000, { cwd: w.elsewhere, env: w.env });
      expect(there.code, there.stderr).toBe(0);
      expect(JSON.parse(there.stdout).deliveringFrom.address).toMatch(/^127\./);
    } finally {
      await stopProcess(serve.child, 'SIGTERM');
    }
    expect(existsSync(path.join(w.dataDir, 'emulator.json'))).toBe(false);
    expect(existsSync(w.userFile)).toBe(false);
  });

  it.skipIf(defaultPortTaken)(`after kill -9 the record is stale${defaultPortTaken ? ' (skipped: something answers on 127.0.0.1:8765, where the command falls back to)' : ''}: the error says which file, which process, and what URL was tried instead`, { timeout: 60_000 }, async () => {
    const w = workspace('stale');
    const serve = await startServeProcess([], { cwd: w.project, env: w.env });
    await stopProcess(serve.child, 'SIGKILL');
    const res = await runCli(['faults', 'list'], 20_000, { cwd: w.project, env: w.env });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('cannot reach the emulator at http://127.0.0.1:8765');
    expect(res.stderr).toContain(`${path.join(w.dataDir, 'emulator.json')} is from serve pid ${serve.child.pid}, which has stopped`);
    expect(res.stderr).toContain('pass --url');
  });
});

describe('--url takes what people type', () => {
  it('host:port without a scheme, and a bare port', { timeout: 60_000 }, async () => {
    const w = workspace('forms');
    const serve = await startServeProcess(['--ephemeral'], { cwd: w.elsewhere, env: w.env });
    try {
      const port = new URL(serve.banner.url).port;
      for (const url of [`127.0.0.1:${port}`, port, `${serve.banner.url}/`]) {
        const res = await runCli(['faults', 'list', '--url', url], 20_000, { cwd: w.project, env: w.env });
        expect({ url, code: res.code, stderr: res.stderr }).toEqual({ url, code: 0, stderr: '' });
        expect(res.stdout).toContain('No active faults.');
      }
      const bad = await runCli(['faults', 'list', '--url', 'ftp://x'], 20_000, { cwd: w.project, env: w.env });
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('expected http or https');
    } finally {
      await stopProcess(serve.child);
    }
  });

  it('status --url takes the address the banner prints for the status page (/status)', { timeout: 60_000 }, async () => {
    const w = workspace('status');
    const serve = await startServeProcess(['--ephemeral'], { cwd: w.elsewhere, env: w.env });
    try {
      const res = await runCli(['status', '--url', `${serve.banner.url}/status`, '--json'], 20_000, { env: w.env });
      expect(res.code, res.stderr).toBe(0);
      expect(JSON.parse(res.stdout).pages[0]).toMatchObject({ url: `${serve.banner.url}/api/v2/summary.json`, indicator: 'none' });
    } finally {
      await stopProcess(serve.child);
    }
  });
});

describe('errors name the flags', () => {
  it('faults add words the control API\'s refusals in its own flags', { timeout: 60_000 }, async () => {
    const w = workspace('flags');
    const serve = await startServeProcess(['--ephemeral'], { cwd: w.elsewhere, env: w.env });
    try {
      const url = serve.banner.url;
      const noMs = await runCli(['faults', 'add', 'latency', '--api', 'epayment', '--url', url], 20_000, { env: w.env });
      expect(noMs.code).not.toBe(0);
      expect(noMs.stderr).toContain('--ms');
      expect(noMs.stderr).not.toContain('latencyMs');
      const badEnv = await runCli(['faults', 'add', 'environment', '--env', 'moon', '--url', url], 20_000, { env: w.env });
      expect(badEnv.stderr).toContain('--env must be one of');
    } finally {
      await stopProcess(serve.child);
    }
  });
});
