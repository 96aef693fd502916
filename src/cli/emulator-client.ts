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

/** POST/DELETE a control-API path with a JSON body; Problem answers become a one-line error with their detail. */
export async function controlSend<T>(target: EmulatorTarget, method: 'POST' | 'DELETE', path: string, body?: unknown, timeoutMs = 10_000): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL(path, target.url), {
      method,
      headers: {
        ...(target.adminToken ? { authorization: `Bearer ${target.adminToken}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new Error(`cannot reach the emulator at ${target.url} (${(err as Error).message}); is \`vipps-devkit serve\` running?`);
  }
  const text = await res.text();
  if (!res.ok) {
    let detail = text.slice(0, 200);
    try {
      const p = JSON.parse(text) as { title?: string; detail?: string; extraDetails?: Array<{ name: string; reason: string }> };
      detail = [p.detail ?? p.title, ...(p.extraDetails ?? []).filter((d) => !p.detail?.includes(d.reason)).map((d) => `${d.name}: ${d.reason}`)].filter(Boolean).join('; ');
    } catch {
      /* not JSON: the text */
    }
    throw new Error(`${method} ${path}: HTTP ${res.status}: ${detail}`);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}
