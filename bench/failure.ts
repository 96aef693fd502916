import type { BenchFigure } from './figure.js';

/**
 * A benchmark that measured something it must refuse (e.g. a create that did not answer 201).
 * It carries the figures measured so far, so the runner can still print them before failing.
 */
export class BenchFailure extends Error {
  constructor(message: string, readonly figures: BenchFigure[]) {
    super(message);
    this.name = 'BenchFailure';
  }
}
