import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../src/platform/loopback.js';

describe('isLoopbackHost (decides whether serve demands an admin token)', () => {
  it('treats 127.0.0.0/8, ::1 and localhost as loopback', () => {
    for (const h of ['127.0.0.1', '127.42.0.9', '::1', 'localhost']) expect(isLoopbackHost(h)).toBe(true);
  });
  it('treats every other address as reachable from outside', () => {
    for (const h of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'devbox.local', '128.0.0.1']) expect(isLoopbackHost(h)).toBe(false);
  });
});
