/**
 * Finding 2 of issue 13: an empty admin token (`--admin-token ''`, `VIPPS_DEVKIT_ADMIN_TOKEN=`) with
 * `--host` on a network address left the control API open to the network. Empty now means unset
 * (serve generates and prints a token beyond loopback), and the emulator refuses to listen beyond
 * loopback without one, like Redis' protected mode. Tests listen on 127.0.0.1 only: the network
 * case uses 192.0.2.1 (TEST-NET-1, never this machine's), refused before any listen.
 */
import { describe, expect, it } from 'vitest';
import { adminTokenFor } from '../../src/cli/serve.js';
import { startEmulator } from '../../src/server/emulator.js';
import { StartupError } from '../../src/server/startup-error.js';
import { runCli, startServeProcess, stopProcess } from '../helpers/cli.js';
import { http } from '../helpers/emulator.js';

describe('finding 2: an empty admin token never opens the control API to the network', () => {
  it('serve: an empty or blank token counts as none, so beyond loopback one is generated', () => {
    for (const given of ['', '  ', '\t', undefined]) {
      for (const host of ['0.0.0.0', '::', '192.168.1.10', 'devbox.local']) {
        const token = adminTokenFor(given, host);
        expect(token, `${JSON.stringify(given)} on ${host}`).toMatch(/^[\w-]{32}$/);
      }
      // On loopback the control API stays open (Host and Origin checks guard it), as before.
      expect(adminTokenFor(given, '127.0.0.1')).toBeUndefined();
    }
    expect(adminTokenFor(' s3cret-token ', '0.0.0.0')).toBe('s3cret-token');
  });

  it('startEmulator refuses to listen beyond loopback without a token (protected mode), before listening', async () => {
    for (const adminToken of [undefined, '', '   ']) {
      const started = startEmulator({ database: { kind: 'sqlite', file: ':memory:' }, host: '192.0.2.1', port: 0, logLevel: 'silent', ...(adminToken === undefined ? {} : { adminToken }) });
      await expect(started).rejects.toBeInstanceOf(StartupError);
      await expect(started).rejects.toThrow(/without an admin token/);
    }
  });

  it('a blank token on loopback is no token (not a token of spaces)', async () => {
    const emu = await startEmulator({ database: { kind: 'sqlite', file: ':memory:' }, host: '127.0.0.1', port: 0, logLevel: 'silent', adminToken: '   ' });
    try {
      expect(emu.ctx.adminToken).toBeUndefined();
      expect((await http(`${emu.url}/devkit/v1/merchants`, {})).status).toBe(200);
    } finally {
      await emu.close();
    }
  });

  it('serve --admin-token "" on loopback prints no token and keeps the control API local', async () => {
    const { child, banner } = await startServeProcess(['--ephemeral', '--no-dns', '--admin-token', '']);
    try {
      expect(banner.adminToken).toBeUndefined();
      expect((await http(`${banner.url}/devkit/v1/merchants`, {})).status).toBe(200);
    } finally {
      await stopProcess(child);
    }
  });

  it('serve says why it will not start beyond loopback with a bad address, without a stack trace', async () => {
    const res = await runCli(['serve', '--ephemeral', '--no-dns', '--port', '0', '--host', '192.0.2.1', '--admin-token', '']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/could not start: 192\.0\.2\.1 is not an address of this machine/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});
