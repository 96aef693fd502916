/**
 * The end of a test's or suite's name that says why it is skipped, or '' when it runs. A test
 * that needs a missing tool skips visibly: `it.skipIf(reason !== undefined)(`name${skipNote(reason)}`, …)`,
 * never by returning early from a test that then counts as passed.
 */
export function skipNote(reason: string | undefined): string {
  return reason === undefined ? '' : ` (skipped: ${reason})`;
}
