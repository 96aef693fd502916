/**
 * SFTP users on the control API, under /devkit/v1/settlements/sftp: where the service listens and
 * who may log in. A user belongs to one organization (by organization number) and logs in with a
 * password, an OpenSSH public key (RSA ≥ 2048 bits, Ed25519, ECDSA; DSA refused), or either.
 */
import { NoContent } from '../../../platform/schemas.js';
import { createPublicKey } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ParsedKey } from 'ssh2';
import type { Transaction } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { Kysely } from 'kysely';
import { ProblemError, problem } from '../../../platform/problems.js';
import { hashPassword, sftpStore } from './store.js';

const UserView = Type.Object({
  username: Type.String(),
  organizationNumber: Type.String(),
  hasPassword: Type.Boolean(),
  publicKeys: Type.Array(Type.String()),
});
const ServiceView = Type.Object({
  host: Type.Union([Type.String(), Type.Null()]),
  port: Type.Union([Type.Integer(), Type.Null()], { description: 'null when serve runs without --sftp-port' }),
  layout: Type.String(),
  users: Type.Array(UserView),
});
const UserBody = Type.Object({
  organizationNumber: Type.String({ pattern: '^\\d{9}$' }),
  password: Type.Optional(Type.String({ minLength: 8, maxLength: 200 })),
  publicKeys: Type.Optional(Type.Array(Type.String({ maxLength: 16_384 }), { maxItems: 20 })),
});
const UserParams = Type.Object({ username: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }) });

const invalid = (name: string, reason: string) => new ProblemError({ ...problem(400, 'Bad Request', `${name} ${reason}.`), extraDetails: [{ name, reason }] });

/** A public key line as the service accepts it, or a 400 saying why not. */
export async function checkPublicKey(line: string, index: number): Promise<string> {
  const name = `publicKeys[${index}]`;
  // ssh2 loads when a key is checked (or the SFTP service starts), not at every start (docs/decisions.md 236).
  const { default: ssh2 } = await import('ssh2');
  let key: ParsedKey | ParsedKey[] | Error;
  try {
    key = ssh2.utils.parseKey(line.trim());
  } catch (error) {
    key = error instanceof Error ? error : new Error(String(error));
  }
  if (Array.isArray(key)) throw invalid(name, 'holds several keys; give one per entry');
  if (key instanceof Error) throw invalid(name, `is not an OpenSSH public key (${key.message})`);
  if (key.isPrivateKey()) throw invalid(name, 'is a private key; give the public one (the .pub file)');
  if (key.type === 'ssh-dss') throw invalid(name, 'is a DSA key; DSA keys are refused (use RSA ≥ 2048 bits or Ed25519)');
  if (key.type === 'ssh-rsa') {
    const bits = createPublicKey(key.getPublicPEM()).asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw invalid(name, `is an RSA key of ${bits} bits; at least 2048 are needed`);
  }
  return line.trim();
}

export interface SftpControlDeps {
  db: Kysely<Database>;
  run<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  now(): Date;
  /** Where the server listens, once it does. */
  address(): { host: string; port: number } | undefined;
}

export const sftpControl = (deps: SftpControlDeps): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/sftp', { schema: { summary: 'The SFTP report service: address, folder layout, users', response: { 200: ServiceView } } }, async () => {
    const address = deps.address();
    return {
      host: address?.host ?? null,
      port: address?.port ?? null,
      layout: '/settlements/{inbox|archive}/{csv|pdf|xlsx|xml|xml.zip}/{orgno}/{msn}/{msn}-{settlement number}.{ext}',
      users: await sftpStore.users(deps.db),
    };
  });

  app.put('/sftp/users/:username', { schema: { summary: 'Creates or replaces an SFTP user of an organization', params: UserParams, body: UserBody, response: { 200: UserView } } }, async (request) => {
    const { organizationNumber, password, publicKeys = [] } = request.body;
    if (password === undefined && publicKeys.length === 0) throw invalid('body', 'needs a password or at least one public key');
    const keys = await Promise.all(publicKeys.map(checkPublicKey));
    const passwordHash = password === undefined ? '' : await hashPassword(password);
    const username = request.params.username;
    await deps.run((trx) => sftpStore.put(trx, { username, organizationNumber, passwordHash, publicKeys: keys }, deps.now()));
    return { username, organizationNumber, hasPassword: passwordHash !== '', publicKeys: keys };
  });

  app.delete('/sftp/users/:username', { schema: { summary: 'Removes an SFTP user', params: UserParams, response: { 204: NoContent } } }, async (request, reply) => {
    const removed = await deps.run((trx) => sftpStore.remove(trx, request.params.username));
    if (!removed) throw new ProblemError(problem(404, 'Not Found', `No SFTP user ${request.params.username}.`));
    return reply.code(204).send(null);
  });
};
