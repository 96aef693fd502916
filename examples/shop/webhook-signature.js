// Checks a webhook's signature as the Webhooks API documents it: HMAC-SHA256, keyed with the
// secret from registration, over the method, path, date, host and the body's SHA-256.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * @param {{ method: string, pathAndQuery: string, host: string, body: string, headers: Record<string, string | string[] | undefined>, secret: string }} request
 * @returns {boolean}
 */
export function hasValidSignature({ method, pathAndQuery, host, body, headers, secret }) {
  const date = headers['x-ms-date'];
  const contentHash = headers['x-ms-content-sha256'];
  const authorization = headers.authorization;
  if (typeof date !== 'string' || typeof contentHash !== 'string' || typeof authorization !== 'string') return false;

  // The body must be the one that was signed.
  if (createHash('sha256').update(body, 'utf8').digest('base64') !== contentHash) return false;

  const stringToSign = `${method}\n${pathAndQuery}\n${date};${host};${contentHash}`;
  const signature = createHmac('sha256', secret).update(stringToSign, 'utf8').digest('base64');
  const expected = `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`;
  return expected.length === authorization.length && timingSafeEqual(Buffer.from(expected), Buffer.from(authorization));
}
