/**
 * The SFTP host key is made at every start: each one must be a key ssh2's server can load. ssh2's
 * own ed25519 generator failed this about once in 256 starts, which is how a CI run went red.
 */
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { makeHostKey } from '../../../src/apis/settlements/sftp/host-key.js';

describe('SFTP host key', () => {
  it('loads in ssh2 every time, over 2,000 starts', () => {
    const failures: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const parsed = ssh2.utils.parseKey(makeHostKey());
      if (parsed instanceof Error) failures.push(parsed.message);
      else if (!Array.isArray(parsed) && parsed.type !== 'ecdsa-sha2-nistp256') failures.push(`type ${parsed.type}`);
    }
    expect(failures).toEqual([]);
  });

  it('is a new key at each start', () => {
    expect(makeHostKey()).not.toBe(makeHostKey());
  });
});
