/**
 * How each stack is made to trust the emulator's CA: what `vipps-devkit trust` prints (and --json
 * returns). One entry per stack, with the commands to run; nothing here changes the machine.
 */
export interface TrustFiles {
  /** The CA certificate alone. */
  caFile: string;
  /** The machine's public CAs plus the emulator's, for settings that replace the default store (SSL_CERT_FILE); absent when no system bundle was found. */
  bundleFile?: string;
  /** A PKCS#12 trust store for Java holding the CA (made by `trust --install java`). */
  truststoreFile: string;
}

export interface TrustStep {
  stack: string;
  /** What to run or set, one command per line. */
  commands: string[];
  note?: string;
}

export const TRUSTSTORE_PASSWORD = 'changeit';

export function trustSteps(f: TrustFiles): TrustStep[] {
  const bundle = f.bundleFile ?? f.caFile;
  const replaces = f.bundleFile ? '' : ' (no system bundle was found to combine with: this trusts the emulator only)';
  return [
    {
      stack: 'system (Debian, Ubuntu)',
      commands: [`sudo cp ${q(f.caFile)} /usr/local/share/ca-certificates/vipps-devkit.crt`, 'sudo update-ca-certificates'],
      note: 'or: vipps-devkit trust --install system. curl, PHP, Go, .NET and most tools then trust it.',
    },
    {
      stack: 'system (Fedora, RHEL)',
      commands: [`sudo cp ${q(f.caFile)} /etc/pki/ca-trust/source/anchors/vipps-devkit.pem`, 'sudo update-ca-trust'],
    },
    {
      stack: 'macOS (system keychain)',
      commands: [`sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${q(f.caFile)}`],
      note: 'or: vipps-devkit trust --install system. Safari, curl, Go, .NET and Java-on-keychain programs then trust it.',
    },
    {
      stack: 'Node.js',
      commands: [`export NODE_EXTRA_CA_CERTS=${q(f.caFile)}`],
      note: 'added to Node\'s own CAs; read at start-up.',
    },
    {
      stack: 'Python (urllib, httpx, aiohttp: the ssl module)',
      commands: [`export SSL_CERT_FILE=${q(bundle)}`],
      note: `requests uses certifi instead: export REQUESTS_CA_BUNDLE=${q(bundle)}${replaces}`,
    },
    {
      stack: 'Java (JDK)',
      commands: [
        `keytool -importcert -noprompt -alias vipps-devkit -file ${q(f.caFile)} -keystore ${q(f.truststoreFile)} -storetype PKCS12 -storepass ${TRUSTSTORE_PASSWORD}`,
        `java -Djavax.net.ssl.trustStore=${q(f.truststoreFile)} -Djavax.net.ssl.trustStorePassword=${TRUSTSTORE_PASSWORD} ...`,
      ],
      note: `the first line is what trust --install java does. That store trusts the emulator only; to add it to the JDK's own store instead: sudo keytool -importcert -noprompt -cacerts -storepass changeit -alias vipps-devkit -file ${q(f.caFile)}`,
    },
    {
      stack: '.NET',
      commands: [`export SSL_CERT_FILE=${q(bundle)}`],
      note: 'Linux (OpenSSL): that, or the system store above. macOS: the keychain above. Windows: certutil -user -addstore Root vipps-devkit-ca.pem',
    },
    {
      stack: 'PHP (curl, Guzzle, openssl)',
      commands: [`curl.cainfo = ${bundle}`, `openssl.cafile = ${bundle}`],
      note: 'in php.ini; or the system store above (PHP\'s curl reads it by default).',
    },
    {
      stack: 'Go',
      commands: [`export SSL_CERT_FILE=${q(bundle)}`],
      note: 'Linux; on macOS Go reads the keychain (above).',
    },
  ];
}

/** Quoted for a POSIX shell when it needs to be. */
function q(value: string): string {
  return /^[\w./:@+=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
