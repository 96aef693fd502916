/**
 * Applies rendered rules: writes them to a file (atomically, by rename) and/or pipes them into a
 * command such as `nft -f -`. When the command fails, the previous file and the previous rules
 * are put back, so a bad apply leaves the firewall as it was rather than half-changed.
 */
import { spawn } from 'node:child_process';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';

/** `previousRules` is what was applied last (undefined on the first apply): the rollback target. */
export type Applier = (rules: string, previousRules: string | undefined) => Promise<void>;

export class ApplyError extends Error {
  constructor(
    message: string,
    readonly rolledBack: boolean,
    readonly rollbackError?: string,
  ) {
    super(message);
    this.name = 'ApplyError';
  }
}

export type CommandApplierOptions = {
  /** Run by /bin/sh with the rules on stdin and VIPPS_RULES_FILE set to `outFile` when there is one. */
  command?: string;
  outFile?: string;
  timeoutMs?: number;
};

export function commandApplier(options: CommandApplierOptions): Applier {
  if (!options.command && !options.outFile) throw new Error('nothing to apply to: give a command, an output file, or both');
  const timeoutMs = options.timeoutMs ?? 60_000;
  return async (rules, previousRules) => {
    const previousFile = options.outFile ? await readFile(options.outFile, 'utf8').catch(() => undefined) : undefined;
    if (options.outFile) await writeAtomically(options.outFile, rules);
    if (!options.command) return;
    try {
      await runCommand(options.command, rules, options.outFile, timeoutMs);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      try {
        if (options.outFile) {
          if (previousFile === undefined) await rm(options.outFile, { force: true });
          else await writeAtomically(options.outFile, previousFile);
        }
        if (previousRules !== undefined) await runCommand(options.command, previousRules, options.outFile, timeoutMs);
        throw new ApplyError(`apply failed: ${reason}; ${previousRules === undefined ? 'nothing applied before, nothing to restore' : 'previous rules restored'}`, previousRules !== undefined);
      } catch (rollback) {
        if (rollback instanceof ApplyError) throw rollback;
        const rollbackReason = rollback instanceof Error ? rollback.message : String(rollback);
        throw new ApplyError(`apply failed: ${reason}; rollback failed too: ${rollbackReason}`, false, rollbackReason);
      }
    }
  };
}

export async function writeAtomically(file: string, content: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode: 0o644 });
  await rename(temporary, file);
}

function runCommand(command: string, input: string, outFile: string | undefined, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...process.env, ...(outFile ? { VIPPS_RULES_FILE: outFile } : {}) },
    });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString();
    });
    child.stdin.on('error', () => {}); // a command that does not read its input is fine
    child.stdin.end(input);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`\`${command}\` exited with ${signal ?? code}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`));
    });
  });
}
