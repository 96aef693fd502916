import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import type { LocalCa } from '../server/tls/local-ca.js';
import { readEmulatorState, userStateFile } from './emulator-state.js';
import { TRUSTSTORE_PASSWORD, trustSteps, type TrustFiles } from './trust-instructions.js';

/** Where Linux distributions keep their bundle of public CAs (Debian's first). */
const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem'];

/**
 * `vipps-devkit trust`: the data directory's CA (made if `serve --https-port` has not made it yet),
 * and how to trust it in each stack; `--install system|java` does it for the system store or a
 * Java trust store. Nothing is installed unless asked.
 */
export function trustCommand(): Command {
  return new Command('trust')
    .description("trust the emulator's HTTPS certificate authority (serve --https-port): prints how for the system store, Node, Java, Python, .NET, PHP, Go and macOS; --install does it")
    .addOption(new Option('-d, --data-dir <dir>', 'the data directory whose CA to trust (default: ./.vipps-devkit, else that of the emulator you started last)').env('VIPPS_DEVKIT_DATA_DIR'))
    .option('--print', "print the CA certificate (PEM) and nothing else: vipps-devkit trust --print > vipps-devkit-ca.pem")
    .option('--json', 'print the files and the steps as JSON')
    .addOption(new Option('--install <target>', 'system: the operating system\'s store (needs root / sudo); java: a PKCS#12 trust store in the data directory (keytool)').choices(['system', 'java']))
    .action(async (o: { dataDir?: string; print?: boolean; json?: boolean; install?: 'system' | 'java' }) => {
      // The certificate library is loaded by this command only: the others start ~150 ms sooner.
      const { caFiles, loadOrCreateCa } = await import('../server/tls/local-ca.js');
      const dataDir = o.dataDir ?? defaultDataDir(caFiles);
      const ca = loadOrCreateCa(dataDir);
      if (o.print) {
        process.stdout.write(ca.certPem);
        return;
      }
      const files = trustFiles(caFiles(dataDir), ca);
      const installed = o.install === 'system' ? installSystem(ca) : o.install === 'java' ? installJava(files) : undefined;
      const steps = trustSteps(files);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ dataDir: path.resolve(dataDir), subject: ca.subject, fingerprintSha256: ca.fingerprint, ...files, ...(installed ? { installed } : {}), steps }, null, 2)}\n`);
        return;
      }
      const lines = [
        `The emulator's CA: ${ca.subject}`,
        `  file          ${files.caFile}`,
        `  SHA-256       ${ca.fingerprint}`,
        ...(files.bundleFile ? [`  with public CAs  ${files.bundleFile}  (for SSL_CERT_FILE and the like)`] : []),
        '  It can only vouch for apitest.vipps.no, api.vipps.no, localhost and loopback addresses (name constraints).',
        ...(installed ? ['', `Installed: ${installed}`] : []),
        '',
        'To trust it (the emulator answers https://apitest.vipps.no once DNS sends the name to it: docs/any-language.md):',
        ...steps.flatMap((s) => ['', `${s.stack}:`, ...s.commands.map((c) => `  ${c}`), ...(s.note ? [`  (${s.note})`] : [])]),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

/** ./.vipps-devkit when it has a CA or no emulator is recorded elsewhere; else the data directory of the emulator started last. */
function defaultDataDir(caFiles: (dir: string) => { bundle: string }): string {
  const local = './.vipps-devkit';
  if (existsSync(caFiles(local).bundle)) return local;
  const found = readEmulatorState(userStateFile());
  if (found.kind === 'running' && found.state.caFile) return path.dirname(path.dirname(found.state.caFile));
  return local;
}

function trustFiles(files: { dir: string; cert: string }, ca: LocalCa): TrustFiles {
  const system = SYSTEM_BUNDLES.find((f) => existsSync(f));
  let bundleFile: string | undefined;
  if (system) {
    // The public CAs and ours in one file: SSL_CERT_FILE replaces the default store, other sites must still work.
    bundleFile = path.join(files.dir, 'ca-bundle.pem');
    writeFileSync(bundleFile, `${readFileSync(system, 'utf8').trimEnd()}\n\n# ${ca.subject}\n${ca.certPem}`, { mode: 0o644 });
  }
  return { caFile: files.cert, ...(bundleFile ? { bundleFile } : {}), truststoreFile: path.join(files.dir, 'truststore.p12') };
}

function run(command: string, args: string[]): void {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${command} could not run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`);
}

/** The operating system's store: Debian's update-ca-certificates, Fedora's update-ca-trust, or the macOS system keychain. */
function installSystem(ca: LocalCa): string {
  const file = ca.certFile!;
  const name = `vipps-devkit-${ca.fingerprint.replace(/:/g, '').slice(0, 12).toLowerCase()}`;
  try {
    if (process.platform === 'darwin') {
      run('security', ['add-trusted-cert', '-d', '-r', 'trustRoot', '-k', '/Library/Keychains/System.keychain', file]);
      return `${file} in /Library/Keychains/System.keychain`;
    }
    if (existsSync('/usr/local/share/ca-certificates')) {
      const target = `/usr/local/share/ca-certificates/${name}.crt`;
      copyFileSync(file, target);
      run('update-ca-certificates', []);
      return `${target} (update-ca-certificates ran)`;
    }
    if (existsSync('/etc/pki/ca-trust/source/anchors')) {
      const target = `/etc/pki/ca-trust/source/anchors/${name}.pem`;
      copyFileSync(file, target);
      run('update-ca-trust', []);
      return `${target} (update-ca-trust ran)`;
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw new Error('installing into the system store needs root: run it with sudo (sudo vipps-devkit trust --install system --data-dir <dir>)');
    throw err;
  }
  throw new Error(`no system store this command knows here (${process.platform}): use the steps that vipps-devkit trust prints`);
}

/** A PKCS#12 trust store holding the CA alone, made anew (the CA may have changed). */
function installJava(files: TrustFiles): string {
  rmSync(files.truststoreFile, { force: true });
  run('keytool', ['-importcert', '-noprompt', '-alias', 'vipps-devkit', '-file', files.caFile, '-keystore', files.truststoreFile, '-storetype', 'PKCS12', '-storepass', TRUSTSTORE_PASSWORD]);
  return `${files.truststoreFile} (password ${TRUSTSTORE_PASSWORD})`;
}
