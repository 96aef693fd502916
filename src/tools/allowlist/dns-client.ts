/**
 * A minimal stub resolver: one A or AAAA question to one server, over UDP with a TCP retry when
 * the answer is truncated. Written on dns-packet rather than node:dns because the watcher needs
 * the TTLs, must tell SERVFAIL from NXDOMAIN from an empty answer, must never be served from a
 * cache, and must honour a per-query timeout.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import dnsPacket from 'dns-packet';
import { canonicalIp } from './ip.js';

export type DnsServerAddress = { host: string; port: number };
export type AddressRecord = { address: string; ttl: number };
export type DnsErrorCode = 'TIMEOUT' | 'SERVFAIL' | 'NXDOMAIN' | 'REFUSED' | 'FORMERR' | 'BADRESPONSE' | 'NETWORK' | 'NODATA';

export class DnsQueryError extends Error {
  constructor(
    readonly code: DnsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DnsQueryError';
  }
}

/** `127.0.0.1`, `127.0.0.1:5353`, `::1`, `[::1]:5353`; port 53 when none is given. */
export function parseServerAddress(text: string): DnsServerAddress {
  const value = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  const [host, port] = bracketed
    ? [bracketed[1]!, bracketed[2]]
    : net.isIPv6(value)
      ? [value, undefined]
      : (value.split(':') as [string, string | undefined]);
  if (!net.isIP(host)) throw new Error(`resolver must be an IP address[:port], got "${text}"`);
  const portNumber = port === undefined ? 53 : Number(port);
  if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) throw new Error(`bad resolver port in "${text}"`);
  return { host, port: portNumber };
}

export function formatServerAddress(server: DnsServerAddress): string {
  return net.isIPv6(server.host) ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

/** The first nameserver of /etc/resolv.conf: what the machine itself would ask. */
export function systemResolver(resolvConf = '/etc/resolv.conf'): DnsServerAddress {
  try {
    const line = readFileSync(resolvConf, 'utf8')
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .find((parts) => parts[0] === 'nameserver' && parts[1] && net.isIP(parts[1].split('%')[0]!));
    if (line) return { host: line[1]!.split('%')[0]!, port: 53 };
  } catch {
    // no resolv.conf: fall through to the local stub
  }
  return { host: '127.0.0.1', port: 53 };
}

export type QueryOptions = { timeoutMs?: number };

/** Addresses and TTLs for `name`; an empty list is a valid NODATA answer. Throws DnsQueryError. */
export async function queryAddresses(server: DnsServerAddress, name: string, type: 'A' | 'AAAA', options: QueryOptions = {}): Promise<AddressRecord[]> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const id = randomInt(0, 0x10000);
  const query = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, class: 'IN', name }] });
  let response = await udpExchange(server, query, timeoutMs);
  let decoded = checkResponse(response, id, name);
  if (decoded.flag_tc) {
    response = await tcpExchange(server, query, timeoutMs);
    decoded = checkResponse(response, id, name);
  }
  const rcode = (decoded as { rcode?: string }).rcode ?? 'NOERROR';
  if (rcode !== 'NOERROR') {
    const code: DnsErrorCode = rcode === 'SERVFAIL' || rcode === 'NXDOMAIN' || rcode === 'REFUSED' || rcode === 'FORMERR' ? rcode : 'BADRESPONSE';
    throw new DnsQueryError(code, `${name} ${type}: ${rcode}`);
  }
  const records: AddressRecord[] = [];
  for (const answer of decoded.answers ?? []) {
    if (answer.type !== type || typeof answer.data !== 'string') continue; // CNAMEs etc.: only the final records count
    const address = canonicalIp(answer.data);
    if (address) records.push({ address, ttl: answer.ttl ?? 0 });
  }
  return records;
}

function checkResponse(response: Buffer, id: number, name: string): dnsPacket.DecodedPacket {
  let decoded: dnsPacket.DecodedPacket;
  try {
    decoded = dnsPacket.decode(response);
  } catch {
    throw new DnsQueryError('BADRESPONSE', `${name}: undecodable response`);
  }
  const question = decoded.questions?.[0];
  if (decoded.type !== 'response' || decoded.id !== id || (question && question.name.toLowerCase() !== name.toLowerCase())) {
    throw new DnsQueryError('BADRESPONSE', `${name}: response does not match the query`);
  }
  return decoded;
}

function udpExchange(server: DnsServerAddress, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(server.host) ? 'udp6' : 'udp4');
    const queryId = query.readUInt16BE(0);
    const done = (error: Error | undefined, message?: Buffer) => {
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else resolve(message!);
    };
    const timer = setTimeout(() => done(new DnsQueryError('TIMEOUT', `no answer from ${formatServerAddress(server)} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err) => done(new DnsQueryError('NETWORK', err.message)));
    socket.on('message', (message, remote) => {
      // Ignore stray datagrams: only the server we asked, answering our id, counts.
      if (remote.port !== server.port || canonicalIp(remote.address) !== canonicalIp(server.host)) return;
      if (message.length < 2 || message.readUInt16BE(0) !== queryId) return;
      done(undefined, message);
    });
    socket.send(query, server.port, server.host, (err) => err && done(new DnsQueryError('NETWORK', err.message)));
  });
}

function tcpExchange(server: DnsServerAddress, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    let buffer = Buffer.alloc(0);
    const done = (error: Error | undefined, message?: Buffer) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(message!);
    };
    const timer = setTimeout(() => done(new DnsQueryError('TIMEOUT', `no TCP answer from ${formatServerAddress(server)} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err) => done(new DnsQueryError('NETWORK', err.message)));
    socket.on('connect', () => {
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(query.length);
      socket.write(Buffer.concat([prefix, query]));
    });
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) done(undefined, buffer.subarray(2, 2 + buffer.readUInt16BE(0)));
    });
    socket.on('end', () => done(new DnsQueryError('BADRESPONSE', 'TCP connection closed before a full answer')));
  });
}
