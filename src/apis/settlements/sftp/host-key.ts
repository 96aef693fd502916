/**
 * The SFTP server's host key, made at start. Node's own generator makes it and ssh2 reads it as
 * an OpenSSL PEM: ssh2's generateKeyPairSync('ed25519') writes a key it cannot read back about
 * once in 256 (it strips a leading zero byte of the public key), which once stopped a start.
 */
import { generateKeyPairSync } from 'node:crypto';

export function makeHostKey(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return privateKey.export({ type: 'sec1', format: 'pem' }).toString();
}
