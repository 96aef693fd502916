import type { Server as HttpsServer } from 'node:https';
import type { FastifyInstance } from 'fastify';
import type { ConnectionLimits, ShapeOf } from './connections.js';
import { listenHttps } from './https-listener.js';
import { StartupError } from './startup-error.js';
import { loadOrCreateCa, serverCertificateFor, type LocalCa } from './tls/local-ca.js';

/** The emulator's HTTPS listener: the data directory's CA, its server certificate, the port; a port it cannot have is a StartupError that says what to do. */
export async function startHttps(
  app: FastifyInstance,
  host: string,
  urlHost: string,
  options: { port: number; caDir?: string },
  limits: ConnectionLimits,
  shapeOfUrl: ShapeOf,
): Promise<{ server: HttpsServer; url: string; port: number; ca: LocalCa }> {
  const ca = loadOrCreateCa(options.caDir);
  const certificate = serverCertificateFor(ca, options.caDir);
  let server: HttpsServer;
  try {
    server = await listenHttps(app, { host, port: options.port, certificate, limits, shapeOfUrl });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES') {
      throw new StartupError(
        `The HTTPS port ${options.port} needs privileges this process does not have (ports below 1024 do on Linux).`,
        'Run with --https-port 8443 and forward 443 to it, or allow low ports (sudo sysctl net.ipv4.ip_unprivileged_port_start=443); docs/any-language.md says how.',
      );
    }
    if (code === 'EADDRINUSE') throw new StartupError(`The HTTPS port ${options.port} is taken by another program.`, 'Choose another with --https-port (0 picks a free one).');
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { server, url: `https://${urlHost}:${port}`, port, ca };
}
