import { randomInt } from 'node:crypto';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomInt } from '../../platform/norwegian-ids.js';

/** A source of test-data randomness: repeatable when seeded. */
export interface TestRandom {
  readonly seed: number;
  /** An integer in [min, max), the shape the identifier generators take. */
  int: RandomInt;
  pick<T>(list: readonly T[]): T;
}

/** Seeded with `seed` (any 32-bit integer) or with a random seed when none is given. */
export function createRandom(seed: number = randomInt(0, 2 ** 31)): TestRandom {
  if (!Number.isSafeInteger(seed)) throw new RangeError('a seed is an integer');
  // pure-rand generators are mutable: next() advances this one in place.
  const rng = xoroshiro128plus(seed | 0);
  const int: RandomInt = (min, max) => uniformInt(rng, min, max - 1);
  return { seed, int, pick: (list) => list[int(0, list.length)]! };
}
