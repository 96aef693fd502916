import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { caFiles, issueServerCertificate, loadOrCreateCa, serverCertificateFor } from '../../src/server/tls/local-ca.js';

const dir = mkdtempSync(path.join(tmpdir(), 'devkit-ca-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the local CA of a data directory', () => {
  it('is made once, kept in <data-dir>/tls (key owner-only) and found again on the next start', () => {
    const first = loadOrCreateCa(dir);
    const files = caFiles(dir);
    expect(first.certFile).toBe(files.cert);
    expect(readFileSync(files.cert, 'utf8')).toBe(first.certPem);
    expect(statSync(files.bundle).mode & 0o777).toBe(0o600);
    const again = loadOrCreateCa(dir);
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(loadOrCreateCa(undefined).fingerprint).not.toBe(first.fingerprint);
    const ca = new X509Certificate(first.certPem);
    expect(ca.ca).toBe(true);
    expect(ca.fingerprint256).toBe(first.fingerprint);
  });

  it('signs a server certificate for the Vipps API hosts and loopback, and nothing else', () => {
    const ca = loadOrCreateCa(dir);
    const leaf = new X509Certificate(issueServerCertificate(ca).certPem);
    const caCert = new X509Certificate(ca.certPem);
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.checkHost('apitest.vipps.no')).toBe('apitest.vipps.no');
    expect(leaf.checkHost('api.vipps.no')).toBe('api.vipps.no');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('www.vipps.no')).toBeUndefined();
    expect(leaf.ca).toBe(false);
  });
});

describe('the HTTPS listener certificate', () => {
  it('is kept in the data directory and reused while the CA signed it', () => {
    const ca = loadOrCreateCa(dir);
    const first = serverCertificateFor(ca, dir);
    expect(serverCertificateFor(ca, dir).certPem).toBe(first.certPem);
    // Another CA (the tls folder made anew): the kept certificate is no longer good, a new one is issued.
    const other = loadOrCreateCa(undefined);
    const reissued = serverCertificateFor(other, dir);
    expect(reissued.certPem).not.toBe(first.certPem);
    expect(new X509Certificate(reissued.certPem).checkIssued(new X509Certificate(other.certPem))).toBe(true);
  });
});
