/**
 * The SFTP report service with the real OpenSSH client: key and password logins, the documented
 * folder layout, downloads that are the reports, rm moving a report from inbox to archive, and
 * one organization's key refused for another's user.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { skipNote } from '../../helpers/skip.js';
import { closeToday } from './helpers.js';

const execFileP = promisify(execFile);
const onPath = (tool: string) => (process.env.PATH ?? '').split(path.delimiter).some((d) => existsSync(path.join(d, tool)));
const noClient = onPath('sftp') && onPath('ssh-keygen') ? undefined : 'OpenSSH client not installed (apt-get install openssh-client)';
const dir = mkdtempSync(path.join(tmpdir(), 'settle-sftp-'));

let emu: TestEmulator;
let port: number;
const units: { msn: string; org: string }[] = [];

async function keyPair(name: string, type = 'ed25519'): Promise<{ file: string; pub: string }> {
  const file = path.join(dir, name);
  await execFileP('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', file]);
  return { file, pub: readFileSync(`${file}.pub`, 'utf8').trim() };
}

/** Runs OpenSSH `sftp` in batch mode; resolves with its exit code and output, never throws. */
async function sftp(user: string, commands: string[], auth: { key?: string; password?: string }): Promise<{ code: number; out: string }> {
  const batch = path.join(dir, `batch-${Math.random().toString(36).slice(2)}`);
  writeFileSync(batch, `${commands.join('\n')}\n`);
  // -b implies BatchMode, which forbids asking for a password; ssh keeps the first value given, so a
  // password login says BatchMode=no before -b.
  const args = [...(auth.password !== undefined ? ['-o', 'BatchMode=no'] : []), '-b', batch, '-P', String(port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=20'];
  const env = { ...process.env };
  if (auth.key) args.push('-i', auth.key, '-o', 'IdentitiesOnly=yes', '-o', 'PasswordAuthentication=no', '-o', 'BatchMode=yes');
  if (auth.password !== undefined) {
    // OpenSSH reads a password only from a terminal or SSH_ASKPASS: a script that prints it.
    const askpass = path.join(dir, 'askpass.sh');
    writeFileSync(askpass, `#!/bin/sh\necho '${auth.password}'\n`);
    chmodSync(askpass, 0o700);
    Object.assign(env, { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' });
    args.push('-o', 'PubkeyAuthentication=no', '-o', 'PreferredAuthentications=password', '-o', 'NumberOfPasswordPrompts=1');
  }
  args.push(`${user}@127.0.0.1`);
  try {
    const { stdout, stderr } = await execFileP('sftp', args, { env, cwd: dir, timeout: 60_000 });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

let keyA: { file: string; pub: string };
let keyB: { file: string; pub: string };

beforeAll(async () => {
  if (noClient) return;
  emu = await startTestEmulator({ sftpPort: 0 });
  const second = await emu.call('POST', '/devkit/v1/merchants', { body: { name: 'Annen Butikk' } });
  expect(second.status, second.text).toBe(201);
  for (const msn of [emu.merchant.msn, second.body.msn as string]) {
    for (const amount of [100_00, 250_50]) {
      const res = await emu.call('POST', `/devkit/v1/settlements/units/${msn}/transactions`, { body: { kind: 'capture', amount, reference: `o-${amount}` } });
      expect(res.status, res.text).toBe(201);
    }
    units.push({ msn, org: (await emu.call('GET', `/devkit/v1/settlements/units/${msn}`)).body.organizationNumber });
  }
  await closeToday(emu);
  const service = await emu.call('GET', '/devkit/v1/settlements/sftp');
  expect(service.body.host).toBe('127.0.0.1');
  port = service.body.port;
  [keyA, keyB] = await Promise.all([keyPair('a'), keyPair('b')]);
  const put = async (user: string, body: object) => {
    const res = await emu.call('PUT', `/devkit/v1/settlements/sftp/users/${user}`, { body });
    expect(res.status, res.text).toBe(200);
  };
  await put('shop-a', { organizationNumber: units[0]!.org, publicKeys: [keyA.pub] });
  await put('shop-b', { organizationNumber: units[1]!.org, publicKeys: [keyB.pub], password: 'correct horse battery' });
}, 120_000);
afterAll(async () => emu?.close());

describe('SFTP report service', () => {
  it.skipIf(noClient !== undefined)(`logs in with a key, lists the documented tree and downloads the report${skipNote(noClient)}`, async () => {
    const { msn, org } = units[0]!;
    const folder = `/settlements/inbox/xml/${org}/${msn}`;
    const local = path.join(dir, 'downloaded.xml');
    const res = await sftp('shop-a', ['ls /', 'ls /settlements', 'ls /settlements/inbox', 'ls /settlements/inbox/xml', `ls ${folder}`, `get ${folder}/${msn}-2000001.xml ${local}`, `get /settlements/inbox/xml.zip/${org}/${msn}/${msn}-2000001.xml.zip ${local}.zip`, `get /settlements/inbox/pdf/${org}/${msn}/${msn}-2000001.pdf ${local}.pdf`], { key: keyA.file });
    expect(res.code, res.out).toBe(0);
    expect(res.out).toMatch(/\/settlements\/archive\s+\/settlements\/inbox/);
    for (const ext of ['csv', 'pdf', 'xlsx', 'xml', 'xml.zip']) expect(res.out).toMatch(new RegExp(`/settlements/inbox/${ext.replace('.', '\\.')}\\s`));
    expect(res.out).toContain(`${folder}/${msn}-2000001.xml`);
    // Only its own organization's folder.
    expect(res.out).not.toContain(units[1]!.org);
    const downloaded = readFileSync(local, 'utf8');
    const direct = await (await fetch(`${emu.url}/devkit/v1/settlements/units/${msn}/settlements/2000001/report.xml`)).text();
    expect(downloaded).toBe(direct);
    expect(downloaded).toContain('<SettledAmount>');
    expect(readFileSync(`${local}.zip`).subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
    expect(readFileSync(`${local}.pdf`).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it.skipIf(noClient !== undefined)(`refuses another merchant's key, and hides other organizations' folders${skipNote(noClient)}`, async () => {
    const refused = await sftp('shop-a', ['ls /settlements'], { key: keyB.file });
    expect(refused.code).not.toBe(0);
    expect(refused.out).toMatch(/Permission denied/);
    const other = await sftp('shop-a', [`ls /settlements/inbox/xml/${units[1]!.org}`], { key: keyA.file });
    expect(other.code).not.toBe(0);
    expect(other.out).toMatch(/not found|No such file/i);
  });

  it.skipIf(noClient !== undefined)(`logs in with a password; rm in inbox moves the report to archive, where it stays${skipNote(noClient)}`, async () => {
    const { msn, org } = units[1]!;
    const inbox = `/settlements/inbox/csv/${org}/${msn}`;
    const archive = `/settlements/archive/csv/${org}/${msn}`;
    const local = path.join(dir, 'b.csv');
    const first = await sftp('shop-b', [`get ${inbox}/${msn}-2000001.csv ${local}`, `rm ${inbox}/${msn}-2000001.csv`, `ls ${archive}`], { password: 'correct horse battery' });
    expect(first.code, first.out).toBe(0);
    expect(readFileSync(local, 'utf8')).toMatch(new RegExp(`^SettlementInfo,[^,]*,${msn},\\d\\d\\.\\d\\d\\.\\d{4},2000001,`, 'm'));
    expect(first.out).toContain(`${archive}/${msn}-2000001.csv`);
    const gone = await sftp('shop-b', [`ls ${inbox}`], { key: keyB.file });
    expect(gone.code).not.toBe(0);
    const kept = await sftp('shop-b', [`rm ${archive}/${msn}-2000001.csv`], { key: keyB.file });
    expect(kept.code).not.toBe(0);
    expect(kept.out).toMatch(/Permission denied/);
    const wrong = await sftp('shop-b', ['ls /'], { password: 'wrong password!' });
    expect(wrong.code).not.toBe(0);
  });

  it.skipIf(noClient !== undefined)(`refuses short RSA keys, private keys, garbage and a user without any way to log in${skipNote(noClient)}`, async () => {
    const file = path.join(dir, 'rsa1024');
    await execFileP('ssh-keygen', ['-q', '-t', 'rsa', '-b', '1024', '-N', '', '-f', file]);
    const pub = readFileSync(`${file}.pub`, 'utf8');
    const res = await emu.call('PUT', '/devkit/v1/settlements/sftp/users/short', { body: { organizationNumber: units[0]!.org, publicKeys: [pub] } });
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain('2048');
    const none = await emu.call('PUT', '/devkit/v1/settlements/sftp/users/none', { body: { organizationNumber: units[0]!.org } });
    expect(none.status).toBe(400);
    const garbage = await emu.call('PUT', '/devkit/v1/settlements/sftp/users/g', { body: { organizationNumber: units[0]!.org, publicKeys: ['ssh-ed25519 not-base64'] } });
    expect(garbage.status).toBe(400);
    const secret = await emu.call('PUT', '/devkit/v1/settlements/sftp/users/p', { body: { organizationNumber: units[0]!.org, publicKeys: [readFileSync(keyA.file, 'utf8')] } });
    expect(secret.status).toBe(400);
    expect(secret.body.detail).toContain('private key');
  });
});
