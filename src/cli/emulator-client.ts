import { InvalidArgumentError, Option, type Command } from 'commander';
import { dataDirStateFile, readEmulatorState, userStateFile, type StateLookup } from './emulator-state.js';
import { DEFAULT_PORT } from './serve.js';

export interface EmulatorTarget {
  url: string;
  adminToken?: string;
}

const DEFAULT_URL = `http://127.0.0.1:${DEFAULT_PORT}`;

/** Where the URL came from, said in every "cannot reach" error (one command runs per process). */
let origin = '';

/**
 * `--url`, `--admin-token` and `--data-dir` for commands that talk to a running emulator's control
 * API. Without `--url` (or VIPPS_DEVKIT_URL) the command finds the emulator that `serve` recorded:
 * in the data directory, else the one the user started last (src/cli/emulator-state.ts), else
 * the default port. The resolved URL and token are set on the options before the action runs.
 */
export function withEmulatorTarget(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', `the running emulator: a URL, host:port or a port (default: the one \`serve\` recorded in --data-dir, else the one you started last, else ${DEFAULT_URL})`).env('VIPPS_DEVKIT_URL').argParser(emulatorUrl))
    .addOption(new Option('--admin-token <token>', 'admin token, when the emulator requires one (default: the one `serve` recorded)').env('VIPPS_DEVKIT_ADMIN_TOKEN'))
    .addOption(new Option('-d, --data-dir <dir>', 'the data directory whose emulator to use').default('./.vipps-devkit').env('VIPPS_DEVKIT_DATA_DIR'))
    .hook('preAction', (_self, action) => {
      const o = action.opts<{ url?: string; adminToken?: string; dataDir: string }>();
      const found = resolveEmulator(o, action.getOptionValueSource('url') === 'env' ? 'VIPPS_DEVKIT_URL' : '--url');
      action.setOptionValue('url', found.url);
      if (found.adminToken) action.setOptionValue('adminToken', found.adminToken);
      origin = found.origin;
    });
}

/** `http://host:port`, `host:port` or a bare port, as a base URL without a trailing slash. */
export function emulatorUrl(value: string): string {
  const v = value.trim();
  const withScheme = /^\d+$/.test(v) ? `http://127.0.0.1:${v}` : /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `http://${v}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InvalidArgumentError('expected a URL (http://127.0.0.1:8765), host:port or a port');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`expected http or https, not ${url.protocol}`);
  return url.href.replace(/\/+$/, '');
}

/** The emulator to talk to, and how it was found (for error messages). */
export function resolveEmulator(o: { url?: string; adminToken?: string; dataDir?: string }, urlFrom = '--url', env: NodeJS.ProcessEnv = process.env): EmulatorTarget & { origin: string } {
  const token = o.adminToken ? { adminToken: o.adminToken } : {};
  if (o.url) return { url: o.url, ...token, origin: `from ${urlFrom}` };
  const looked: string[] = [];
  for (const file of [dataDirStateFile(o.dataDir ?? './.vipps-devkit'), userStateFile(env)]) {
    const found = readEmulatorState(file);
    if (found.kind === 'running') {
      const adminToken = o.adminToken ?? found.state.adminToken;
      return { url: found.state.url, ...(adminToken ? { adminToken } : {}), origin: `recorded in ${file} by serve (pid ${found.state.pid})` };
    }
    looked.push(describe(found));
  }
  return { url: DEFAULT_URL, ...token, origin: `the default; no running emulator recorded (${looked.join('; ')}); pass --url` };
}

/**
 * The built-in DNS server of the emulator `serve` recorded (data directory, else the per-user
 * file): what `--resolver emulator` means. Throws, saying what it looked at, when there is none.
 */
export function recordedEmulatorDns(dataDir = process.env.VIPPS_DEVKIT_DATA_DIR ?? './.vipps-devkit', env: NodeJS.ProcessEnv = process.env): string {
  const looked: string[] = [];
  for (const file of [dataDirStateFile(dataDir), userStateFile(env)]) {
    const found = readEmulatorState(file);
    if (found.kind === 'running' && found.state.dns) return found.state.dns;
    looked.push(found.kind === 'running' ? `${file}: that emulator runs without DNS (--no-dns)` : describe(found));
  }
  throw new Error(`no running emulator with a DNS server is recorded (${looked.join('; ')}); start one with \`vipps-devkit serve\` or pass --resolver IP:PORT`);
}

function describe(found: StateLookup): string {
  switch (found.kind) {
    case 'missing':
      return `no ${found.file}`;
    case 'stale':
      return `${found.file} is from serve pid ${found.state.pid}, which has stopped`;
    case 'unreadable':
      return `${found.file} unreadable: ${found.reason}`;
    default:
      return found.file;
  }
}

const unreachable = (url: string, err: unknown) =>
  new Error(`cannot reach the emulator at ${url} (${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message})${origin ? `; that URL is ${origin}` : ''}; is \`vipps-devkit serve\` running?`);

/** The control API refused: its status and the Problem's detail, for commands that word it in their flags. */
export class ControlError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly detail: string,
  ) {
    super(message);
  }
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
    throw unreachable(target.url, err);
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
    throw unreachable(target.url, err);
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
    throw new ControlError(`${method} ${path}: HTTP ${res.status}: ${detail}`, res.status, detail);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}
