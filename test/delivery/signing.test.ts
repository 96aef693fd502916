import { describe, expect, it } from 'vitest';
import { signWebhookRequest, verifyWebhookRequest } from '../../src/delivery/signing.js';

describe('webhook request signing', () => {
  it('reproduces the official worked example byte for byte', () => {
    const secret = 'A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A==';
    const body = '{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}';
    const signed = signWebhookRequest('https://webhook.site/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63', body, secret, new Date('Thu, 30 Mar 2023 08:38:32 GMT'));
    expect(signed).toEqual({
      'x-ms-date': 'Thu, 30 Mar 2023 08:38:32 GMT',
      'x-ms-content-sha256': 'lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4=',
      authorization: 'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U=',
    });
  });

  it('signs host with its port and the path with its query', () => {
    const body = JSON.stringify({
      msn: '123456', reference: 'acme-shop-123-order123abc', pspReference: '1234567891', name: 'AUTHORIZED',
      amount: { currency: 'NOK', value: 35000 }, timestamp: '2023-08-14T12:48:46.260Z', idempotencyKey: '49ca711a9487112e1def', success: true,
    });
    const signed = signWebhookRequest('https://localhost:8443/hooks/vipps?env=mt', body, '090a478d-37ff-4e77-970e-d457aeb26a3a', new Date('Mon, 14 Aug 2023 12:48:47 GMT'));
    expect(signed['x-ms-content-sha256']).toBe('6sli/RDaTvUtT1bm+0gUUJxjYC8UlM9P72CdwZ11Vp0=');
    expect(signed.authorization).toBe('HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=UcdtwolK7o/qrWY9DEnmPNLbApCSgQad8aarsIR73W4=');
  });

  it('verification fails when body, date or secret differ', () => {
    const url = 'http://127.0.0.1:9000/hook';
    const headers = signWebhookRequest(url, '{"a":1}', 's3cret', new Date('2024-01-01T00:00:00Z'));
    expect(verifyWebhookRequest(url, '{"a":1}', 's3cret', headers)).toBe(true);
    expect(verifyWebhookRequest(url, '{"a":2}', 's3cret', headers)).toBe(false);
    expect(verifyWebhookRequest(url, '{"a":1}', 'other', headers)).toBe(false);
    expect(verifyWebhookRequest(url, '{"a":1}', 's3cret', { ...headers, 'x-ms-date': 'Mon, 01 Jan 2024 00:00:01 GMT' })).toBe(false);
  });
});
