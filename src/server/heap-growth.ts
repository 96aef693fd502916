import v8 from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived the last full collection before it
 * collects again: 100 % (a factor of 2, V8's own choice for small heaps) instead of the up to 4×
 * it allows a process whose heap limit is large. The emulator's live heap is some 35 MB; bulk work
 * (a clock jump that processes 100,000 Recurring charges and books their captures) promotes
 * short-lived objects steadily, and with a factor of 4 they piled up to ~150 MB of heap before a
 * full collection, ~100 MB of resident memory more than needed (decision 227).
 *
 * The flag is read whenever V8 recomputes its limits, so setting it at start works (unlike
 * --max-old-space-size, which is fixed when the heap is made). Only `serve` sets it: an emulator
 * started in a merchant's test process (`vipps-devkit/testing`) leaves that process's V8 alone.
 * Given on the command line or in NODE_OPTIONS, the user's value stays.
 */
export const HEAP_GROWING_PERCENT = 100;

export function limitHeapGrowth(): void {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => /^--heap[-_]growing[-_]percent\b/.test(a));
  if (given) return;
  try {
    v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  } catch {
    // A runtime without the flag: V8's own growth then.
  }
}
