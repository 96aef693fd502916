import { Option, type Command } from 'commander';
import { DEFAULT_PORT } from './serve.js';

export interface EmulatorTarget {
  url: string;
  adminToken?: string;
}

/** `--url` and `--admin-token` for commands that talk to a running emulator's control API. */
export function withEmulatorTarget(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', 'base URL of the running emulator').default(`http://127.0.0.1:${DEFAULT_PORT}`).env('VIPPS_DEVKIT_URL'))
    .addOption(new Option('--admin-token <token>', 'admin token, when the emulator requires one').env('VIPPS_DEVKIT_ADMIN_TOKEN'));
}

/** GET a control-API path; a clear one-line error when the emulator is not there or refuses. */
export async function controlGet<T>(target: EmulatorTarget, path: string, timeoutMs = 5_000): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL(path, target.url), {
      headers: target.adminToken ? { authorization: `Bearer ${target.adminToken}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new Error(`cannot reach the emulator at ${target.url} (${(err as Error).message}); is \`vipps-devkit serve\` running?`);
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`${target.url}${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text) as T;
}
