import { describe, expect, it } from 'vitest';
import { isAcceptedReturnUrl } from '../../src/apis/epayment/domain.js';
import { isValidCallbackUrl, isValidFallBack } from '../../src/apis/ecom/domain.js';
import { checkMerchantUrl, isLoopbackHost } from '../../src/platform/url-policy.js';

/** The one URL policy: HTTPS anywhere, http only to this machine, never credentials. */
const TABLE: Array<[url: string, verdict: 'ok' | 'invalid' | 'scheme' | 'credentials' | 'insecure']> = [
  ['https://shop.example/hooks', 'ok'],
  ['https://shop.example:8443/hooks?x=1', 'ok'],
  ['https://127.0.0.1/hooks', 'ok'],
  ['HTTPS://SHOP.EXAMPLE/hooks', 'ok'],
  ['http://localhost/hooks', 'ok'],
  ['http://localhost:3000/hooks', 'ok'],
  ['http://LOCALHOST:3000/hooks', 'ok'],
  ['http://127.0.0.1:8080/vipps', 'ok'],
  ['http://127.0.0.2:8080/vipps', 'ok'],
  ['http://127.255.255.254/vipps', 'ok'],
  ['http://127.1/vipps', 'ok'], // the URL parser writes it 127.0.0.1
  ['http://[::1]:3000/hooks', 'ok'],
  ['http://[0:0:0:0:0:0:0:1]/hooks', 'ok'],
  ['http://shop.example/hooks', 'insecure'],
  ['http://128.0.0.1/hooks', 'insecure'],
  ['http://10.0.0.1/hooks', 'insecure'],
  ['http://0.0.0.0:3000/hooks', 'insecure'],
  ['http://[::]:3000/hooks', 'insecure'],
  ['http://[::ffff:127.0.0.1]/hooks', 'insecure'],
  ['http://localhost.shop.example/hooks', 'insecure'],
  ['http://127.0.0.1.nip.io/hooks', 'insecure'],
  ['https://user:secret@shop.example/hooks', 'credentials'],
  ['http://user@localhost:3000/hooks', 'credentials'],
  ['ftp://shop.example/hooks', 'scheme'],
  ['myapp://return', 'scheme'],
  ['not a url', 'invalid'],
  ['/relative/path', 'invalid'],
  ['http://', 'invalid'],
  ['', 'invalid'],
];

describe('URL policy (src/platform/url-policy.ts)', () => {
  it.each(TABLE)('%s → %s', (url, verdict) => {
    const checked = checkMerchantUrl(url);
    expect(checked.ok ? 'ok' : checked.reason).toBe(verdict);
  });

  it('every API applies it: webhooks register, eCom callbacks and fallBack, ePayment returnUrl', () => {
    for (const [url, verdict] of TABLE) {
      const allowed = verdict === 'ok';
      expect({ url, callback: isValidCallbackUrl(url) }).toEqual({ url, callback: allowed });
      // Return and fallback URLs may also be an app's own scheme.
      if (verdict !== 'scheme') {
        expect({ url, returnUrl: isAcceptedReturnUrl(url) }).toEqual({ url, returnUrl: allowed });
        expect({ url, fallBack: isValidFallBack(url) }).toEqual({ url, fallBack: allowed });
      }
    }
    expect(isAcceptedReturnUrl('myapp://return')).toBe(true);
    expect(isValidFallBack('myapp://return')).toBe(true);
    expect(isAcceptedReturnUrl('javascript://alert(1)')).toBe(false);
    expect(isValidFallBack('javascript://alert(1)')).toBe(false);
  });

  it('isLoopbackHost takes URL hostnames and bare addresses (serve decides on an admin token by it)', () => {
    for (const h of ['127.0.0.1', '127.42.0.9', '::1', '[::1]', '0:0:0:0:0:0:0:1', 'localhost', 'LocalHost']) expect({ h, loopback: isLoopbackHost(h) }).toEqual({ h, loopback: true });
    for (const h of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'devbox.local', '128.0.0.1', '::ffff:127.0.0.1', 'localhost.example']) expect({ h, loopback: isLoopbackHost(h) }).toEqual({ h, loopback: false });
  });
});
