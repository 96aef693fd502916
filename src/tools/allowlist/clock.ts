/** The only time source of the allowlist tools, injected so tests can run hours of TTLs in an instant. */
export type Clock = { now(): number };

export const systemClock: Clock = { now: () => Date.now() };

/** Resolves after `ms`, or early (without error) when `signal` aborts, so a daemon stops promptly. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
