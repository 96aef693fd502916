/**
 * Unmodified programs in other languages, with "https://apitest.vipps.no" built in, take a payment
 * from the emulator. Each runs in a network namespace whose resolver (/etc/netns/<ns>/resolv.conf)
 * is the emulator's DNS on port 53 and where the emulator answers HTTPS on port 443, as on a
 * developer's machine set up by docs/any-language.md; the programs' trust stores hold the data
 * directory's CA, made by `vipps-devkit trust` (Python: SSL_CERT_FILE; Java: a keytool trust store).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, repoRoot, runCli, stopProcess, testStateHome, type Banner } from '../helpers/cli.js';
import { skipNote } from '../helpers/skip.js';
import { deleteNetns, missingTools, netnsUnavailable, requireNetns, run } from '../tools/allowlist/system-tools.js';

const netnsReason = await netnsUnavailable();
const pythonReason = netnsReason ?? missingTools(['python3'], 'python3');
const javaReason = netnsReason ?? missingTools(['java', 'keytool'], 'default-jdk-headless');
const examples = path.join(repoRoot, 'examples/any-language');

const dataDir = mkdtempSync(path.join(tmpdir(), 'devkit-anylang-'));
let ns: string | undefined;
let serve: ChildProcess | undefined;
let banner: Banner & { httpsUrl?: string; caFile?: string };
let trust: { caFile: string; bundleFile?: string; truststoreFile: string };

/** What a merchant's program is given: the test merchant's keys (as `vipps-devkit env` prints them), never a URL. */
const merchantEnv = () => ({
  VIPPS_CLIENT_ID: banner.clientId,
  VIPPS_CLIENT_SECRET: banner.clientSecret,
  VIPPS_SUBSCRIPTION_KEY: banner.subscriptionKey,
  VIPPS_MERCHANT_SERIAL_NUMBER: banner.merchantSerialNumber,
  VIPPS_DEVKIT_APPROVE: '1',
});

/** Runs a command inside the namespace with extra environment variables (`env` passes them through `ip netns exec`). */
const inNamespace = (command: string[], env: Record<string, string>, timeoutMs: number) =>
  run('ip', ['netns', 'exec', ns!, 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...command], undefined, timeoutMs);

beforeAll(async () => {
  if (netnsReason !== undefined) return;
  ns = await requireNetns('vdk-https');
  expect((await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up'])).code).toBe(0);
  // `ip netns exec` puts this file over /etc/resolv.conf: the namespace's only resolver is the emulator.
  mkdirSync(`/etc/netns/${ns}`, { recursive: true });
  writeFileSync(`/etc/netns/${ns}/resolv.conf`, 'nameserver 127.0.0.1\noptions timeout:2 attempts:2\n');

  // Trust first (it makes the data directory's CA), then serve, which signs its certificate with that CA.
  const trusted = await runCli(['trust', '--data-dir', dataDir, '--json', ...(javaReason === undefined ? ['--install', 'java'] : [])], 60_000);
  expect(trusted.code, trusted.stderr).toBe(0);
  trust = JSON.parse(trusted.stdout);

  serve = spawn('ip', ['netns', 'exec', ns, process.execPath, cliPath, 'serve', '--data-dir', dataDir, '--port', '8765', '--https-port', '443', '--dns-port', '53', '--json', '--log-level', 'warn'], {
    cwd: repoRoot,
    env: { ...process.env, XDG_STATE_HOME: testStateHome },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  serve.stderr!.on('data', (d) => (stderr += d));
  banner = await new Promise((resolve, reject) => {
    createInterface({ input: serve!.stdout! }).once('line', (line) => resolve(JSON.parse(line)));
    serve!.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  expect(banner.httpsUrl).toBe('https://127.0.0.1:443');
  expect(banner.caFile).toBe(trust.caFile);
}, 90_000);

afterAll(async () => {
  if (serve) await stopProcess(serve);
  if (ns) {
    await deleteNetns(ns);
    rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('unmodified programs in other languages against https://apitest.vipps.no', () => {
  it.skipIf(pythonReason !== undefined)(`Python (urllib, SSL_CERT_FILE) completes a payment${skipNote(pythonReason)}`, { timeout: 90_000 }, async () => {
    const result = await inNamespace(['python3', path.join(examples, 'python/vipps_payment.py')], { ...merchantEnv(), SSL_CERT_FILE: trust.bundleFile ?? trust.caFile }, 80_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^created python-\w+: the user approves at http/m);
    expect(result.stdout).toMatch(/^captured python-\w+ 4900 NOK$/m);
  });

  it.skipIf(pythonReason !== undefined)(`without the CA, the same Python program is refused (certificate verify failed)${skipNote(pythonReason)}`, { timeout: 60_000 }, async () => {
    const empty = path.join(dataDir, 'no-ca.pem');
    writeFileSync(empty, '');
    const result = await inNamespace(['python3', path.join(examples, 'python/vipps_payment.py')], { ...merchantEnv(), SSL_CERT_FILE: empty }, 50_000);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('CERTIFICATE_VERIFY_FAILED');
  });

  it.skipIf(javaReason !== undefined)(`Java (JDK HttpClient, keytool trust store) completes a payment${skipNote(javaReason)}`, { timeout: 180_000 }, async () => {
    const result = await inNamespace(
      ['java', `-Djavax.net.ssl.trustStore=${trust.truststoreFile}`, '-Djavax.net.ssl.trustStorePassword=changeit', path.join(examples, 'java/VippsPayment.java')],
      merchantEnv(),
      170_000,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^created java-[\w-]+: the user approves at http/m);
    expect(result.stdout).toMatch(/^captured java-[\w-]+ 4900 NOK$/m);
  });

  it.skipIf(netnsReason !== undefined)(`Node (fetch, NODE_EXTRA_CA_CERTS, the system resolver) gets an access token${skipNote(netnsReason)}`, { timeout: 60_000 }, async () => {
    const script = "fetch('https://apitest.vipps.no/accesstoken/get', { method: 'POST', headers: { client_id: process.env.VIPPS_CLIENT_ID, client_secret: process.env.VIPPS_CLIENT_SECRET, 'Ocp-Apim-Subscription-Key': process.env.VIPPS_SUBSCRIPTION_KEY } }).then((r) => r.json()).then((t) => console.log(t.token_type, t.expires_in))";
    const result = await inNamespace([process.execPath, '-e', script], { ...merchantEnv(), NODE_EXTRA_CA_CERTS: trust.caFile }, 50_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('Bearer 3599');
  });

  const systemReason = pythonReason ?? javaReason ?? missingTools(['unshare', 'update-ca-certificates'], 'util-linux ca-certificates');
  it.skipIf(systemReason !== undefined)(`after trust --install system, Python and Java with no trust settings of their own complete payments${skipNote(systemReason)}`, { timeout: 300_000 }, async () => {
    // A private mount namespace over copies of the system store: this machine's own store is never touched.
    const script = [
      'set -e',
      `work=$(mktemp -d -p ${JSON.stringify(dataDir)})`,
      'cp -a /etc/ssl/certs "$work/certs" && mkdir "$work/local"',
      'mount --bind "$work/certs" /etc/ssl/certs && mount --bind "$work/local" /usr/local/share/ca-certificates',
      `${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} trust --data-dir ${JSON.stringify(dataDir)} --install system --json | grep '"installed"'`,
      `env -u SSL_CERT_FILE -u SSL_CERT_DIR python3 ${JSON.stringify(path.join(examples, 'python/vipps_payment.py'))}`,
      `java ${JSON.stringify(path.join(examples, 'java/VippsPayment.java'))}`,
    ].join('\n');
    const result = await inNamespace(['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script], merchantEnv(), 280_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/"installed": "\/usr\/local\/share\/ca-certificates\/vipps-devkit-[0-9a-f]{12}\.crt \(update-ca-certificates ran\)"/);
    expect(result.stdout).toMatch(/^captured python-\w+ 4900 NOK$/m);
    expect(result.stdout).toMatch(/^captured java-[\w-]+ 4900 NOK$/m);
    expect(readdirSync('/usr/local/share/ca-certificates').filter((f) => f.startsWith('vipps-devkit'))).toEqual([]);
  });
});
