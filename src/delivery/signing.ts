import { createHmac, hash } from 'node:crypto';

export type SignedHeaders = {
  'x-ms-date': string;
  'x-ms-content-sha256': string;
  authorization: string;
};

/**
 * The Webhooks API's request signing: HMAC-SHA256 over method, path+query, date, host and the
 * body's SHA-256, keyed with the UTF-8 bytes of the secret exactly as registration returned it.
 */
export function signWebhookRequest(url: string, body: string, secret: string, date: Date): SignedHeaders {
  const target = signedParts(url);
  const contentHash = hash('sha256', body, 'base64');
  const httpDate = date.toUTCString();
  const stringToSign = `POST\n${target.pathAndQuery}\n${httpDate};${target.host};${contentHash}`;
  // A string key is its UTF-8 bytes, as the secret is used.
  const signature = createHmac('sha256', secret).update(stringToSign, 'utf8').digest('base64');
  return {
    'x-ms-date': httpDate,
    'x-ms-content-sha256': contentHash,
    authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
  };
}

/** Path and host of a URL as signed; a dispatcher signs the same few URLs over and over. */
const parsed = new Map<string, { pathAndQuery: string; host: string }>();
function signedParts(url: string): { pathAndQuery: string; host: string } {
  let parts = parsed.get(url);
  if (!parts) {
    const target = new URL(url);
    parts = { pathAndQuery: `${target.pathname}${target.search}`, host: target.host };
    if (parsed.size >= 1_000) parsed.clear();
    parsed.set(url, parts);
  }
  return parts;
}

/** What a receiver does: recompute and compare. Exported for tests and the example shop. */
export function verifyWebhookRequest(url: string, body: string, secret: string, headers: Record<string, string | undefined>): boolean {
  const date = headers['x-ms-date'];
  if (!date) return false;
  const expected = signWebhookRequest(url, body, secret, new Date(date));
  return expected['x-ms-content-sha256'] === headers['x-ms-content-sha256'] && expected.authorization === headers.authorization;
}
