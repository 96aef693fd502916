import https from 'node:https';
import type { FastifyInstance } from 'fastify';
import { clientErrorHandler, guardConnections, serverOptions, type ConnectionLimits, type ShapeOf } from './connections.js';
import type { ServerCertificate } from './tls/local-ca.js';

/**
 * A second listener, over TLS, into the same Fastify app: every API, page and the control API answer
 * on it as on the HTTP port, with the same timeouts, connection caps and error shapes. It is what a
 * program with `https://apitest.vipps.no` built in reaches once DNS sends that name here.
 */
export async function listenHttps(
  app: FastifyInstance,
  options: { host: string; port: number; certificate: ServerCertificate; limits: ConnectionLimits; shapeOfUrl: ShapeOf },
): Promise<https.Server> {
  const server = https.createServer(
    {
      ...serverOptions(options.limits),
      key: options.certificate.keyPem,
      cert: options.certificate.certPem,
      minVersion: 'TLSv1.2',
      // The caps count connections once their handshake is done; a handshake gets the headers' time (Node's default: 120 s).
      handshakeTimeout: options.limits.headersTimeoutMs,
    },
    (req, res) => app.routing(req, res),
  );
  guardConnections(server, options.limits, options.shapeOfUrl);
  server.on('clientError', clientErrorHandler(options.shapeOfUrl));
  // A failed handshake (a client that does not trust the CA) is the client's business: no log noise.
  server.on('tlsClientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

export async function closeHttps(server: https.Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
