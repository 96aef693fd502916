import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../src/delivery/retry-schedule.js';

describe('retry schedule', () => {
  it('follows the documented back-off: 2 s ×4, 60 s, 120 s, hourly to attempt 29, then daily', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([2000, 2000, 2000, 2000]);
    expect(retryDelayMs(5)).toBe(60_000);
    expect(retryDelayMs(6)).toBe(120_000);
    expect(retryDelayMs(7)).toBe(3_600_000);
    expect(retryDelayMs(28)).toBe(3_600_000);
    expect(retryDelayMs(29)).toBe(86_400_000);
  });
});
