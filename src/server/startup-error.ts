/**
 * Why the emulator cannot start, and what the user can do about it. `serve` prints both, without a
 * stack trace; `vipps-devkit doctor` finds (and with --repair fixes) the data-directory cases.
 */
export class StartupError extends Error {
  constructor(
    /** What is wrong, in a sentence. */
    readonly why: string,
    /** How to repair it: a command to run or a flag to give. */
    readonly repair: string,
    options?: { cause?: unknown },
  ) {
    super(`${why} ${repair}`, options);
  }
}
