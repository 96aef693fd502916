import { createHash, createHmac } from 'node:crypto';

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
  const target = new URL(url);
  const contentHash = createHash('sha256').update(body, 'utf8').digest('base64');
  const httpDate = date.toUTCString();
  const stringToSign = `POST\n${target.pathname}${target.search}\n${httpDate};${target.host};${contentHash}`;
  const signature = createHmac('sha256', Buffer.from(secret, 'utf8')).update(stringToSign, 'utf8').digest('base64');
  return {
    'x-ms-date': httpDate,
    'x-ms-content-sha256': contentHash,
    authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
  };
}

/** What a receiver does: recompute and compare. Exported for tests and the example shop. */
export function verifyWebhookRequest(url: string, body: string, secret: string, headers: Record<string, string | undefined>): boolean {
  const date = headers['x-ms-date'];
  if (!date) return false;
  const expected = signWebhookRequest(url, body, secret, new Date(date));
  return expected['x-ms-content-sha256'] === headers['x-ms-content-sha256'] && expected.authorization === headers.authorization;
}
