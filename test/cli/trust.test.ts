/**
 * `vipps-devkit trust` and `serve --https-port` as a user runs them: one CA per data directory, made
 * by whichever comes first and kept across restarts; trust prints it, says how to trust it in each
 * stack, and changes nothing on the machine unless asked.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startServeProcess, stopProcess } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'devkit-trust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The certificate a TLS server on 127.0.0.1:port shows for a name (SNI), verified against `ca`. */
function peerCertificate(port: number, servername: string, ca: string): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, ca }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('vipps-devkit trust', () => {
  it('answers --help with what it does', async () => {
    const help = await runCli(['trust', '--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--print', '--json', '--install <target>', '--data-dir']) expect(help.stdout).toContain(flag);
  });

  it('makes the data directory\'s CA, prints it, and the steps for every stack, installing nothing', async () => {
    const printed = await runCli(['trust', '--data-dir', dir, '--print']);
    expect(printed.code, printed.stderr).toBe(0);
    const ca = new X509Certificate(printed.stdout);
    expect(ca.ca).toBe(true);
    const json = await runCli(['trust', '--data-dir', dir, '--json']);
    const info = JSON.parse(json.stdout);
    expect(readFileSync(info.caFile, 'utf8')).toBe(printed.stdout);
    expect(info.fingerprintSha256).toBe(ca.fingerprint256);
    expect(info.installed).toBeUndefined();
    expect(existsSync(info.truststoreFile)).toBe(false);
    const stacks = info.steps.map((s: { stack: string }) => s.stack).join(' | ');
    for (const stack of ['Debian', 'macOS', 'Node.js', 'Java', 'Python', '.NET', 'PHP', 'Go']) expect(stacks).toContain(stack);
    const node = info.steps.find((s: { stack: string }) => s.stack === 'Node.js');
    expect(node.commands).toEqual([`export NODE_EXTRA_CA_CERTS=${info.caFile}`]);
    const human = await runCli(['trust', '--data-dir', dir]);
    expect(human.stdout).toContain(ca.fingerprint256);
    expect(human.stdout).toContain('keytool -importcert');
    expect(human.stdout).toContain('sudo security add-trusted-cert');
  });

  it('refuses an --install target it does not know, naming the flag and the choices', async () => {
    const wrong = await runCli(['trust', '--data-dir', dir, '--install', 'windows']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain("option '--install <target>' argument 'windows' is invalid");
    expect(wrong.stderr).toContain('system, java');
  });
});

describe('serve --https-port', () => {
  it('serves the APIs over TLS with a certificate from the same CA, kept across restarts', { timeout: 60_000 }, async () => {
    const ca = readFileSync(path.join(dir, 'tls/vipps-devkit-ca.pem'), 'utf8');
    const first = await startServeProcess(['--data-dir', dir, '--https-port', '0']);
    const banner = first.banner as typeof first.banner & { httpsUrl: string; caFile: string };
    expect(banner.caFile).toBe(path.join(dir, 'tls/vipps-devkit-ca.pem'));
    const port = Number(new URL(banner.httpsUrl).port);
    const cert = await peerCertificate(port, 'apitest.vipps.no', ca);
    expect(cert.subjectaltname).toContain('DNS:apitest.vipps.no');
    expect(cert.subjectaltname).toContain('DNS:api.vipps.no');
    await stopProcess(first.child);

    const second = await startServeProcess(['--data-dir', dir, '--https-port', '0']);
    const port2 = Number(new URL((second.banner as typeof banner).httpsUrl).port);
    // The same CA verifies it, and the server certificate itself was kept (no new key on each start).
    expect((await peerCertificate(port2, 'api.vipps.no', ca)).fingerprint256).toBe(cert.fingerprint256);
    await stopProcess(second.child);
  });

  it('says why when the HTTPS port is taken, and what to do', { timeout: 30_000 }, async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const taken = (blocker.address() as net.AddressInfo).port;
    const result = await runCli(['serve', '--data-dir', dir, '--port', '0', '--dns-port', '0', '--https-port', String(taken)]);
    blocker.close();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`The HTTPS port ${taken} is taken by another program`);
    expect(result.stderr).toContain('--https-port');
  });
});
