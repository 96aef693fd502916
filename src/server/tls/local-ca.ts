/**
 * The emulator's own certificate authority: made once per data directory (kept in <data-dir>/tls/),
 * so that trusting it once (`vipps-devkit trust`) lasts across restarts. It signs the certificate of
 * the HTTPS listener, which names the Vipps API hosts (apitest.vipps.no, api.vipps.no).
 *
 * node-forge builds the certificates (Node has no X.509 writer); Node makes the RSA keys. The CA is
 * name-constrained to those hosts and loopback: its key, were it ever taken from the data
 * directory, could not be used to impersonate any other site to whoever trusts it.
 */
import { createHash, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { VIPPS_API_HOSTS } from '../../environments/api-hosts.js';

export interface LocalCa {
  certPem: string;
  keyPem: string;
  /** The CA certificate's file (what trust stores import); undefined for an in-memory CA (--ephemeral). */
  certFile?: string;
  /** SHA-256 of the certificate's DER, as `openssl x509 -fingerprint -sha256` and keytool print it. */
  fingerprint: string;
  subject: string;
}

export interface ServerCertificate {
  certPem: string;
  keyPem: string;
}

/** Names a certificate of the emulator may carry: the API hosts and this machine. */
const PERMITTED_DNS = [...VIPPS_API_HOSTS, 'localhost'];
const LOOPBACK_V4 = { address: [127, 0, 0, 0], mask: [255, 0, 0, 0] };
const LOOPBACK_V6 = { address: [...Array(15).fill(0), 1], mask: Array(16).fill(255) };
const CA_YEARS = 10;
/** Browsers and Apple refuse server certificates valid longer than 398 days. */
const LEAF_DAYS = 365;

export function caFiles(dataDir: string): { dir: string; cert: string; bundle: string; server: string } {
  const dir = path.join(path.resolve(dataDir), 'tls');
  // The CA's certificate alone (public), and the certificate with its private key (owner-only).
  return { dir, cert: path.join(dir, 'vipps-devkit-ca.pem'), bundle: path.join(dir, 'vipps-devkit-ca-key.pem'), server: path.join(dir, 'server.pem') };
}

/** The data directory's CA, made on first use; undefined dataDir: a CA that lives in memory only. */
export function loadOrCreateCa(dataDir: string | undefined): LocalCa {
  if (dataDir === undefined) return describe(createCa());
  const files = caFiles(dataDir);
  if (!existsSync(files.bundle)) {
    mkdirSync(files.dir, { recursive: true, mode: 0o700 });
    const made = createCa();
    const tmp = `${files.bundle}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, made.certPem + made.keyPem, { mode: 0o600 });
    try {
      // A hard link fails if another process made the CA meanwhile: then theirs is the one.
      linkSync(tmp, files.bundle);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  const bundle = readFileSync(files.bundle, 'utf8');
  const certPem = pemBlock(bundle, 'CERTIFICATE');
  const keyPem = pemBlock(bundle, 'PRIVATE KEY') ?? pemBlock(bundle, 'RSA PRIVATE KEY');
  if (!certPem || !keyPem) throw new Error(`${files.bundle} does not hold a certificate and its private key; delete the tls folder to make a new CA (then trust it again)`);
  // The public half is written out each time, so a deleted or edited copy comes back as it should be.
  if (!existsSync(files.cert) || readFileSync(files.cert, 'utf8') !== certPem) {
    const tmp = `${files.cert}.${process.pid}`;
    writeFileSync(tmp, certPem, { mode: 0o644 });
    renameSync(tmp, files.cert);
  }
  chmodSync(files.bundle, 0o600);
  return describe({ certPem, keyPem }, files.cert);
}

/**
 * The HTTPS listener's certificate: the one kept in the data directory while it is the CA's and has
 * a month left, else a new one (an RSA key takes up to a second to make: not on every start).
 */
export function serverCertificateFor(ca: LocalCa, dataDir: string | undefined, now = new Date()): ServerCertificate {
  const file = dataDir === undefined ? undefined : caFiles(dataDir).server;
  if (file && existsSync(file)) {
    const kept = readFileSync(file, 'utf8');
    const certPem = pemBlock(kept, 'CERTIFICATE');
    const keyPem = pemBlock(kept, 'PRIVATE KEY');
    if (certPem && keyPem && stillGood(certPem, ca, now)) return { certPem, keyPem };
  }
  const issued = issueServerCertificate(ca, now);
  if (file) {
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, issued.certPem + issued.keyPem, { mode: 0o600 });
    renameSync(tmp, file);
  }
  return issued;
}

const RENEW_BEFORE_MS = 30 * 24 * 60 * 60_000;

function stillGood(certPem: string, ca: LocalCa, now: Date): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const caCert = new X509Certificate(ca.certPem);
    return cert.checkIssued(caCert) && cert.verify(caCert.publicKey) && Date.parse(cert.validTo) - now.getTime() > RENEW_BEFORE_MS
      && VIPPS_API_HOSTS.every((host) => cert.checkHost(host) === host);
  } catch {
    return false;
  }
}

/** A certificate for the HTTPS listener, signed by the CA: the API hosts, localhost and the loopback addresses. */
export function issueServerCertificate(ca: LocalCa, now = new Date()): ServerCertificate {
  const { publicKey, privateKey } = rsaKeyPair();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now.getTime() - 60 * 60_000); // a client clock a little behind still accepts it
  cert.validity.notAfter = new Date(now.getTime() + LEAF_DAYS * 24 * 60 * 60_000);
  cert.setSubject([{ name: 'commonName', value: VIPPS_API_HOSTS[0] }, { name: 'organizationName', value: 'Vipps Devkit (local emulator)' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [...PERMITTED_DNS.map((value) => ({ type: 2, value })), { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n'), keyPem: privateKey };
}

function createCa(now = new Date()): { certPem: string; keyPem: string } {
  const { publicKey, privateKey } = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now.getTime() - 60 * 60_000);
  cert.validity.notAfter = new Date(now.getTime() + CA_YEARS * 365 * 24 * 60 * 60_000);
  // A name of its own per data directory, so that several trusted CAs are told apart in a trust store.
  const name = [
    { name: 'commonName', value: `Vipps Devkit local CA ${cert.serialNumber.slice(0, 8)}` },
    { name: 'organizationName', value: 'Vipps Devkit (local emulator, not Vipps)' },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { id: '2.5.29.30', critical: true, value: nameConstraints() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n'), keyPem: privateKey };
}

/** NameConstraints (RFC 5280 4.2.1.10): permitted subtrees only, the API hosts, localhost and loopback. */
function nameConstraints(): forge.asn1.Asn1 {
  const { asn1 } = forge;
  const subtree = (generalName: forge.asn1.Asn1) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [generalName]);
  const dns = (name: string) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 2, false, name);
  const ip = (range: { address: number[]; mask: number[] }) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 7, false, String.fromCharCode(...range.address, ...range.mask));
  const permitted = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [...PERMITTED_DNS.map((n) => subtree(dns(n))), subtree(ip(LOOPBACK_V4)), subtree(ip(LOOPBACK_V6))]);
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [permitted]);
}

function rsaKeyPair(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
}

/** A positive 16-byte serial number, in hex (the first bit clear: DER integers are signed). */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f | 0x10;
  return bytes.toString('hex');
}

function pemBlock(text: string, label: string): string | undefined {
  const match = new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----`).exec(text);
  return match ? `${match[0].replace(/\r\n/g, '\n')}\n` : undefined;
}

function describe(pems: { certPem: string; keyPem: string }, certFile?: string): LocalCa {
  const cert = forge.pki.certificateFromPem(pems.certPem);
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  const fingerprint = createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
  const subject = cert.subject.getField('CN')?.value as string;
  return { ...pems, ...(certFile ? { certFile } : {}), fingerprint, subject };
}
