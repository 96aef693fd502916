import { Agent, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from 'undici';

/** The hosts Vipps' clients and SDKs call. */
export const VIPPS_API_HOSTS = ['apitest.vipps.no', 'api.vipps.no'] as const;

/**
 * Sends this process' `fetch` calls for the Vipps API hosts to the emulator instead, so an
 * unmodified client — the official `@vippsmobilepay/sdk` included, which has
 * `https://apitest.vipps.no` built in — runs against it in a test suite. Everything else goes
 * where it went before. Returns a function that restores the previous dispatcher.
 */
export function routeVippsApisTo(emulatorUrl: string, hosts: readonly string[] = VIPPS_API_HOSTS): () => void {
  const target = new URL(emulatorUrl).origin;
  const previous = getGlobalDispatcher();
  const agent = new Agent().compose((dispatch: Dispatcher['dispatch']) => (options, handler) => {
    const origin = options.origin ? new URL(String(options.origin)) : undefined;
    return origin && hosts.includes(origin.hostname) ? dispatch({ ...options, origin: target }, handler) : dispatch(options, handler);
  });
  setGlobalDispatcher(agent);
  return () => {
    setGlobalDispatcher(previous);
    void agent.close();
  };
}
