/**
 * The SFTP report service: an SSH server (ssh2) on 127.0.0.1 whose only subsystem is a read-only
 * SFTP view of the settlement reports (tree.ts). Users and their keys live in the database
 * (store.ts); a user sees the reports of its organization's sales units and nothing else. Files
 * are generated when opened, into a temporary file the reads are served from, so memory stays
 * bounded whatever the report's size; listings print size 0 as the real service did.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { timingSafeEqual } from 'node:crypto';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, SFTPWrapper } from 'ssh2';
import type { Transaction } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { reportStream } from '../reports/index.js';
import { settlementReport, type ReportReads } from '../reports/reads.js';
import { settlementStore } from '../store.js';
import { archiveKey, passwordMatches, sftpStore } from './store.js';
import { makeHostKey } from './host-key.js';
import { resolve, type Node, type SftpReport } from './tree.js';

const { Server, utils } = ssh2;
const STATUS = utils.sftp.STATUS_CODE;
const OPEN_MODE = utils.sftp.OPEN_MODE;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

export interface SftpDeps extends ReportReads {
  /** Runs a write in one command (the command queue). */
  run<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  now(): Date;
  log?: (message: string, error?: unknown) => void;
}

export interface SftpServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** The settlements a user may see: every settlement of its organization's sales units. */
async function reportsOf(deps: SftpDeps, organizationNumber: string): Promise<SftpReport[]> {
  const units = (await settlementStore.units(deps.db)).filter((u) => u.unit.organizationNumber === organizationNumber);
  if (units.length === 0) return [];
  const settlements = await settlementStore.settlements(deps.db, { msns: units.map((u) => u.unit.msn) });
  return settlements.map((s) => ({ organizationNumber, msn: s.msn, settlementId: s.settlementId }));
}

/** Checks a login against the stored user: a password, or a registered public key with a valid signature. */
async function authenticate(deps: SftpDeps, ctx: AuthContext): Promise<boolean> {
  const user = await sftpStore.user(deps.db, ctx.username);
  if (!user) return false;
  if (ctx.method === 'password') return user.passwordHash !== '' && (await passwordMatches(user.passwordHash, ctx.password));
  if (ctx.method !== 'publickey') return false;
  for (const line of user.publicKeys) {
    const allowed = utils.parseKey(line);
    if (allowed instanceof Error) continue;
    const blob = allowed.getPublicSSH();
    if (blob.length !== ctx.key.data.length || !timingSafeEqual(blob, ctx.key.data)) continue;
    // Without a signature the client only asks whether the key would do; with one, it must verify.
    if (!ctx.signature) return true;
    return allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true;
  }
  return false;
}

const dateOf = (d: Date) => Math.floor(d.getTime() / 1000);

function attrsOf(node: Node, size = 0, mtime = 0) {
  return node.kind === 'dir'
    ? { mode: S_IFDIR | 0o555, uid: 0, gid: 0, size: 0, atime: mtime, mtime }
    : { mode: S_IFREG | (node.box === 'inbox' ? 0o644 : 0o444), uid: 0, gid: 0, size, atime: mtime, mtime };
}

function longname(name: string, node: Node): string {
  const kind = node.kind === 'dir' ? 'dr-xr-xr-x' : node.box === 'inbox' ? '-rw-r--r--' : '-r--r--r--';
  return `${kind}    1 vipps    vipps           0 Jan  1  1970 ${name}`;
}

type Handle = { kind: 'dir'; entries: { filename: string; longname: string; attrs: ReturnType<typeof attrsOf> }[]; done: boolean } | { kind: 'file'; file: FileHandle; size: number; temp: string };

/** One SFTP session of a logged-in user. */
function serveSftp(deps: SftpDeps, sftp: SFTPWrapper, username: string, organizationNumber: string, tempDir: string): void {
  const handles = new Map<number, Handle>();
  let nextHandle = 1;
  const newHandle = (h: Handle) => {
    const id = nextHandle++;
    handles.set(id, h);
    const b = Buffer.alloc(4);
    b.writeUInt32BE(id);
    return b;
  };
  const handleOf = (b: Buffer) => (b.length === 4 ? handles.get(b.readUInt32BE(0)) : undefined);
  const lookup = async (p: string) => {
    const archived = await sftpStore.archived(deps.db, username);
    return resolve(p, await reportsOf(deps, organizationNumber), (r, ext) => archived.has(archiveKey(r.msn, r.settlementId, ext)));
  };
  const guard = (reqid: number, work: () => Promise<void>) => {
    work().catch((error: unknown) => {
      deps.log?.('sftp request failed', error);
      sftp.status(reqid, STATUS.FAILURE, 'internal error');
    });
  };
  const mtime = () => dateOf(deps.now());

  sftp.on('REALPATH', (reqid, p) => {
    const abs = p.startsWith('/') ? p : `/${p}`;
    const normal = abs.split('/').reduce<string[]>((acc, part) => (part === '..' ? acc.slice(0, -1) : part && part !== '.' ? [...acc, part] : acc), []);
    const full = `/${normal.join('/')}`;
    sftp.name(reqid, [{ filename: full, longname: full, attrs: { mode: S_IFDIR | 0o555, uid: 0, gid: 0, size: 0, atime: 0, mtime: 0 } }]);
  });

  const stat = (reqid: number, p: string) =>
    guard(reqid, async () => {
      const node = await lookup(p);
      if (!node) return void sftp.status(reqid, STATUS.NO_SUCH_FILE, 'No such file');
      sftp.attrs(reqid, attrsOf(node, 0, mtime()));
    });
  sftp.on('STAT', stat);
  sftp.on('LSTAT', stat);

  sftp.on('OPENDIR', (reqid, p) =>
    guard(reqid, async () => {
      const node = await lookup(p);
      if (!node) return void sftp.status(reqid, STATUS.NO_SUCH_FILE, 'No such directory');
      if (node.kind !== 'dir') return void sftp.status(reqid, STATUS.FAILURE, 'Not a directory');
      const t = mtime();
      const entries = [];
      for (const name of node.children) {
        const child = (await lookup(`${node.path}/${name}`))!;
        entries.push({ filename: name, longname: longname(name, child), attrs: attrsOf(child, 0, t) });
      }
      sftp.handle(reqid, newHandle({ kind: 'dir', entries, done: false }));
    }),
  );

  sftp.on('READDIR', (reqid, handle) => {
    const h = handleOf(handle);
    if (!h || h.kind !== 'dir') return void sftp.status(reqid, STATUS.FAILURE, 'Bad handle');
    if (h.done) return void sftp.status(reqid, STATUS.EOF);
    h.done = true;
    sftp.name(reqid, h.entries);
  });

  sftp.on('OPEN', (reqid, filename, flags) =>
    guard(reqid, async () => {
      if (flags & (OPEN_MODE.WRITE | OPEN_MODE.APPEND | OPEN_MODE.CREAT | OPEN_MODE.TRUNC)) return void sftp.status(reqid, STATUS.PERMISSION_DENIED, 'Reports are read-only');
      const node = await lookup(filename);
      if (!node) return void sftp.status(reqid, STATUS.NO_SUCH_FILE, 'No such file');
      if (node.kind !== 'file') return void sftp.status(reqid, STATUS.FAILURE, 'Is a directory');
      const found = await settlementReport(deps, node.report.msn, node.report.settlementId);
      if (!found) return void sftp.status(reqid, STATUS.NO_SUCH_FILE, 'No such file');
      // Generated now, into a file of its own: reads at any offset, memory bounded by the writers.
      const temp = path.join(tempDir, `${node.report.msn}-${node.report.settlementId}-${nextHandle}.${node.ext}`);
      await pipeline(reportStream(node.ext, found.model, `${node.report.msn}-${node.report.settlementId}.xml`), createWriteStream(temp));
      const file = await open(temp, 'r');
      const { size } = await file.stat();
      sftp.handle(reqid, newHandle({ kind: 'file', file, size, temp }));
    }),
  );

  sftp.on('READ', (reqid, handle, offset, length) => {
    const h = handleOf(handle);
    if (!h || h.kind !== 'file') return void sftp.status(reqid, STATUS.FAILURE, 'Bad handle');
    if (offset >= h.size) return void sftp.status(reqid, STATUS.EOF);
    guard(reqid, async () => {
      const buffer = Buffer.alloc(Math.min(length, h.size - offset));
      const { bytesRead } = await h.file.read(buffer, 0, buffer.length, offset);
      sftp.data(reqid, buffer.subarray(0, bytesRead));
    });
  });

  sftp.on('FSTAT', (reqid, handle) => {
    const h = handleOf(handle);
    if (!h) return void sftp.status(reqid, STATUS.FAILURE, 'Bad handle');
    const t = mtime();
    sftp.attrs(reqid, h.kind === 'file' ? { mode: S_IFREG | 0o444, uid: 0, gid: 0, size: h.size, atime: t, mtime: t } : { mode: S_IFDIR | 0o555, uid: 0, gid: 0, size: 0, atime: t, mtime: t });
  });

  sftp.on('CLOSE', (reqid, handle) => {
    const h = handleOf(handle);
    if (!h) return void sftp.status(reqid, STATUS.FAILURE, 'Bad handle');
    handles.delete(handle.readUInt32BE(0));
    if (h.kind === 'dir') return void sftp.status(reqid, STATUS.OK);
    guard(reqid, async () => {
      await h.file.close();
      await rm(h.temp, { force: true });
      sftp.status(reqid, STATUS.OK);
    });
  });

  // rm in inbox moves the report to archive (marks it processed); archive keeps everything.
  sftp.on('REMOVE', (reqid, p) =>
    guard(reqid, async () => {
      const node = await lookup(p);
      if (!node) return void sftp.status(reqid, STATUS.NO_SUCH_FILE, 'No such file');
      if (node.kind !== 'file' || node.box === 'archive') return void sftp.status(reqid, STATUS.PERMISSION_DENIED, 'Archived reports cannot be removed');
      await deps.run((trx) => sftpStore.archive(trx, username, node.report.msn, node.report.settlementId, node.ext));
      sftp.status(reqid, STATUS.OK);
    }),
  );

  const denied = (reqid: number) => sftp.status(reqid, STATUS.PERMISSION_DENIED, 'Read-only');
  for (const event of ['WRITE', 'MKDIR', 'RMDIR', 'RENAME', 'SETSTAT', 'FSETSTAT', 'SYMLINK'] as const) sftp.on(event as 'WRITE', (reqid: number) => denied(reqid));
  sftp.on('READLINK', (reqid) => sftp.status(reqid, STATUS.NO_SUCH_FILE));

  // The client's EOF ends the session: close our side too, or OpenSSH's sftp waits for ever.
  sftp.on('end', () => sftp.end());
  sftp.on('close', () => {
    for (const h of handles.values()) if (h.kind === 'file') void h.file.close().then(() => rm(h.temp, { force: true }));
    handles.clear();
  });
}

/** Starts the SFTP service on 127.0.0.1 (port 0 picks one). The host key is made at start. */
export async function startSftpServer(deps: SftpDeps, port: number, host = '127.0.0.1'): Promise<SftpServer> {
  const hostKey = makeHostKey();
  const tempDir = mkdtempSync(path.join(tmpdir(), 'vipps-devkit-sftp-'));
  const connections = new Set<Connection>();
  const server = new Server({ hostKeys: [hostKey], ident: 'VippsDevkitSFTP' }, (client) => {
    connections.add(client);
    let user: { username: string; organizationNumber: string } | undefined;
    client.on('authentication', (ctx) => {
      authenticate(deps, ctx)
        .then(async (ok) => {
          if (!ok) return ctx.reject(['publickey', 'password']);
          const stored = (await sftpStore.user(deps.db, ctx.username))!;
          user = { username: stored.username, organizationNumber: stored.organizationNumber };
          ctx.accept();
        })
        .catch((error: unknown) => {
          deps.log?.('sftp authentication failed', error);
          ctx.reject();
        });
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('sftp', (acceptSftp) => {
          if (!user) return;
          serveSftp(deps, acceptSftp(), user.username, user.organizationNumber, tempDir);
        });
        // Only SFTP: no shell, no exec.
        session.on('shell', (_accept, reject) => reject?.());
        session.on('exec', (_accept, reject) => reject?.());
      });
    });
    client.on('error', (error) => deps.log?.('sftp connection error', error));
    client.on('close', () => connections.delete(client));
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(port, host, () => res());
  });
  const address = server.address();
  return {
    host,
    port: typeof address === 'object' && address ? address.port : port,
    async close() {
      for (const c of connections) c.end();
      await new Promise<void>((res) => server.close(() => res()));
      rmSync(tempDir, { recursive: true, force: true });
    },
  };
}
