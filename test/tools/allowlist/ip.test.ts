import { describe, expect, it } from 'vitest';
import { canonicalIp, cidrContains, compareIps, parseCidr } from '../../../src/tools/allowlist/ip.js';
import { diffSets, toAddressSet } from '../../../src/tools/allowlist/address-set.js';

describe('canonicalIp', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::FFFF:c000:0201', '192.0.2.1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['[::1]', '::1'],
    ['0:0:0:0:0:0:0:0', '::'],
  ])('%s -> %s', (input, expected) => {
    expect(canonicalIp(input)).toBe(expected);
  });

  it('rejects what is not an address', () => {
    expect(canonicalIp('callback-1.vipps.no')).toBeUndefined();
    expect(canonicalIp('192.0.2.256')).toBeUndefined();
    expect(canonicalIp('')).toBeUndefined();
  });
});

describe('cidr', () => {
  it('matches inside and not outside the prefix, per family', () => {
    const v4 = parseCidr('10.0.0.0/8');
    expect(cidrContains(v4, '10.255.1.2')).toBe(true);
    expect(cidrContains(v4, '11.0.0.1')).toBe(false);
    expect(cidrContains(v4, '::1')).toBe(false);
    const v6 = parseCidr('2001:db8::/32');
    expect(cidrContains(v6, '2001:db8:ffff::1')).toBe(true);
    expect(cidrContains(v6, '2001:db9::1')).toBe(false);
    expect(cidrContains(parseCidr('127.0.0.4'), '127.0.0.4')).toBe(true);
    expect(cidrContains(parseCidr('127.0.0.4'), '127.0.0.5')).toBe(false);
    expect(() => parseCidr('10.0.0.0/33')).toThrow();
  });
});

describe('address sets', () => {
  it('sorts numerically, dedupes, splits families and diffs', () => {
    const before = toAddressSet(['192.0.2.10', '192.0.2.9', '::ffff:192.0.2.9', '2001:db8::2']);
    expect(before).toEqual({ ipv4: ['192.0.2.9', '192.0.2.10'], ipv6: ['2001:db8::2'] });
    const after = toAddressSet(['192.0.2.10', '2001:db8::3']);
    expect(diffSets(before, after)).toEqual({ added: ['2001:db8::3'], removed: ['192.0.2.9', '2001:db8::2'] });
    expect(compareIps('9.0.0.1', '10.0.0.1')).toBeLessThan(0);
    expect(() => toAddressSet(['nope'])).toThrow();
  });
});
