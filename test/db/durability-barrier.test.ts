import { describe, expect, it } from 'vitest';
import { DurabilityBarrier } from '../../src/db/durability-barrier.js';

/** A sync whose completion the test controls, to see which commits each sync covers. */
function controlledSync() {
  const calls: Array<() => void> = [];
  return {
    calls,
    sync: () => new Promise<void>((resolve) => calls.push(resolve)),
    finish: async (i: number) => {
      calls[i]!();
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe('DurabilityBarrier', () => {
  it('waits for a sync that started after the commit, and coalesces the ones that wait', async () => {
    const s = controlledSync();
    const barrier = new DurabilityBarrier(s.sync);
    const first = barrier.markCommitted();
    let firstDone = false;
    void barrier.through(first).then(() => (firstDone = true));
    expect(s.calls).toHaveLength(1);

    // Two commits while the first sync runs: that sync started before them, so it cannot count.
    const second = barrier.markCommitted();
    const third = barrier.markCommitted();
    let laterDone = 0;
    void barrier.through(second).then(() => laterDone++);
    void barrier.through(third).then(() => laterDone++);
    await s.finish(0);
    expect(firstDone).toBe(true);
    expect(laterDone).toBe(0);
    // One more sync covers both later commits.
    expect(s.calls).toHaveLength(2);
    await s.finish(1);
    expect(laterDone).toBe(2);
    expect(s.calls).toHaveLength(2);
  });

  it('is immediate when nothing is waiting to reach the disk', async () => {
    const s = controlledSync();
    const barrier = new DurabilityBarrier(s.sync);
    await barrier.durable();
    expect(s.calls).toHaveLength(0);
    barrier.markCommitted();
    const pending = barrier.durable();
    expect(s.calls).toHaveLength(1);
    await s.finish(0);
    await pending;
    await barrier.durable();
    expect(s.calls).toHaveLength(1);
  });

  it('fails the waiters when the sync fails', async () => {
    const barrier = new DurabilityBarrier(() => Promise.reject(new Error('EIO')));
    const seq = barrier.markCommitted();
    await expect(barrier.through(seq)).rejects.toThrow('EIO');
  });
});
