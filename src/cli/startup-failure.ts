import { StartupError } from '../server/startup-error.js';

export interface FailureContext {
  /** The SQLite data directory, when serve uses one. */
  dataDir?: string | undefined;
  port: number;
  host: string;
}

/**
 * Why `serve` could not start, in a sentence, and what to do about it: the emulator's own refusals
 * (StartupError), a taken port, and the ways a data directory or database fails to open.
 */
export function explainStartupFailure(err: unknown, ctx: FailureContext): { why: string; repair: string } {
  if (err instanceof StartupError) return { why: err.why, repair: err.repair };
  const e = err as Error & { code?: string; syscall?: string };
  const message = String(e?.message ?? err);
  const doctor = ctx.dataDir ? `vipps-devkit doctor --data-dir ${quote(ctx.dataDir)}` : 'vipps-devkit doctor';
  const where = ctx.dataDir ? `the data directory ${ctx.dataDir}` : 'the database';

  if (e.syscall === 'listen' || e.code === 'EADDRINUSE' || e.code === 'EADDRNOTAVAIL') {
    if (e.code === 'EADDRINUSE') return { why: `Port ${ctx.port} on ${ctx.host} is taken by another program.`, repair: 'Choose another with --port <port> (0 picks a free one).' };
    if (e.code === 'EADDRNOTAVAIL') return { why: `${ctx.host} is not an address of this machine.`, repair: 'Give one of its addresses with --host, e.g. 127.0.0.1.' };
    if (e.code === 'EACCES') return { why: `Listening on port ${ctx.port} needs privileges this user does not have.`, repair: 'Choose a port above 1023 with --port.' };
  }
  switch (e.code) {
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return {
        why: `The database in ${where} is damaged or is not a Vipps Devkit database (${message}).`,
        repair: `Run "${doctor}" to see what is wrong; to start afresh, move the directory aside (it keeps your old data) and start again.`,
      };
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return { why: `The database in ${where} is in use by another process (${message}).`, repair: 'Stop the other emulator using it, or give this one another --data-dir.' };
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_READONLY':
    case 'SQLITE_IOERR':
    case 'SQLITE_FULL':
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
    case 'ENOSPC':
    case 'ENOTDIR':
      return { why: `The emulator cannot write to ${where} (${message}).`, repair: 'Check that the directory exists, is writable and has free space, or give another --data-dir (or --ephemeral).' };
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'ETIMEDOUT':
    case '28P01':
    case '3D000':
      return { why: `The PostgreSQL database cannot be reached or opened (${message}).`, repair: 'Check --database-url (host, port, user, password, database name) and that the server runs.' };
  }
  if (/corrupted migrations|previously executed migration .* is missing/i.test(message)) {
    return {
      why: `${cap(where)} was written by a newer version of Vipps Devkit (${message}).`,
      repair: `Upgrade vipps-devkit, or give this version another --data-dir. "${doctor}" lists what it finds.`,
    };
  }
  return { why: message, repair: `Run "${doctor}" to check the data, or start with --log-level debug to see the details.` };
}

const quote = (s: string) => (/^[\w./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
