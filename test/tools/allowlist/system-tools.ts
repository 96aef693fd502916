/**
 * Helpers for tests that use real system tools (nft, iptables-restore, nginx, ip netns, ...).
 * A missing tool or missing privilege is reported by the caller with a printed reason.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
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

export async function deleteNetns(name: string): Promise<void> {
  await run('ip', ['netns', 'del', name]);
}
