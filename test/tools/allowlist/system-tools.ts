/**
 * Helpers for tests that use real system tools (nft, iptables-restore, nginx, ip netns, ...).
 * A missing tool or missing privilege is found before the tests are collected, and the tests that
 * need it skip with `it.skipIf`, the reason in their name (test/helpers/skip.ts).
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** Why some of `tools` cannot be used here (with the Debian packages that bring them), or undefined. */
export function missingTools(tools: readonly string[], packages: string): string | undefined {
  const missing = tools.filter((tool) => !hasTool(tool));
  return missing.length === 0 ? undefined : `${missing.join(', ')} not installed (apt-get install ${packages})`;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export type RunResult = { code: number; stdout: string; stderr: string };

export async function run(command: string, args: readonly string[], input?: string, timeoutMs = 15_000): Promise<RunResult> {
  const child = execFileAsync(command, args, { timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
  }
}

/** Creates a network namespace, returns its name, or the reason it cannot. */
export async function createNetns(prefix: string): Promise<{ name: string } | { reason: string }> {
  if (!isRoot()) return { reason: 'not root: cannot create network namespaces' };
  if (!hasTool('ip')) return { reason: 'iproute2 (ip) not installed' };
  const name = `${prefix}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  const result = await run('ip', ['netns', 'add', name]);
  if (result.code !== 0) return { reason: `ip netns add failed: ${result.stderr.trim()}` };
  return { name };
}

/** Creates a network namespace where `netnsUnavailable()` said it can: failing now is an error. */
export async function requireNetns(prefix: string): Promise<string> {
  const ns = await createNetns(prefix);
  if ('reason' in ns) throw new Error(`cannot create a network namespace: ${ns.reason}`);
  return ns.name;
}

export async function deleteNetns(name: string): Promise<void> {
  await run('ip', ['netns', 'del', name]);
}

/**
 * Why network namespaces cannot be made here, or undefined. Tests call it before they are
 * collected (top-level await), so a test that needs a namespace can skip with the reason.
 */
export async function netnsUnavailable(): Promise<string | undefined> {
  const probe = await createNetns('vdk-probe');
  if ('reason' in probe) return probe.reason;
  await deleteNetns(probe.name);
  return undefined;
}
