/**
 * The report delivery channels of the settlements module: downloads on the control API and the
 * SFTP service (when `serve --sftp-port` asks for it). module.ts mounts what this returns.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Platform } from '../../module.js';
import { sftpControl } from '../sftp/control.js';
import type { SftpServer } from '../sftp/server.js';
import { reportDownloads } from './download-routes.js';

export interface ReportChannels {
  control: FastifyPluginAsync;
  close(): Promise<void>;
}

export async function startReportChannels(platform: Platform): Promise<ReportChannels> {
  const db = platform.database.db;
  const run = <T>(fn: Parameters<typeof platform.database.commands.run<T>>[0]) => platform.database.commands.run(fn);
  const now = () => platform.clock.now();
  let sftp: SftpServer | undefined;
  if (platform.options.sftpPort !== undefined) {
    // Loaded only when asked for: ssh2 and the service are not needed by a start without --sftp-port.
    const { startSftpServer } = await import('../sftp/server.js');
    sftp = await startSftpServer({ db, run, now, log: (message, err) => platform.log.warn({ err }, message) }, platform.options.sftpPort);
  }
  return {
    control: async (app) => {
      await app.register(reportDownloads({ db }));
      await app.register(sftpControl({ db, run, now, address: () => sftp && { host: sftp.host, port: sftp.port } }));
    },
    close: async () => sftp?.close(),
  };
}
