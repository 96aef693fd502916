/**
 * A small authoritative DNS server (UDP and TCP on one port) that answers A and AAAA for the names
 * an injected lookup owns. The emulator uses it for the request-server hostnames; tests use it as
 * the "real" DNS a resolver talks to, with answers they can change between queries.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

export type DnsAnswerSet = { addresses: readonly string[]; ttl: number };
/**
 * `undefined`: not our name (NXDOMAIN). `'servfail'`: answer SERVFAIL. `'drop'`: do not answer
 * at all, so a client sees a timeout (fault injection).
 */
export type DnsLookupResult = DnsAnswerSet | undefined | 'servfail' | 'drop';
export type DnsLookup = (name: string) => DnsLookupResult | Promise<DnsLookupResult>;

export type DnsServerOptions = {
  lookup: DnsLookup;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port; UDP and TCP share it. */
  port?: number;
  /** Called for packets that could not be handled; the server keeps running either way. */
  onError?: (error: unknown) => void;
};

export type DnsServer = {
  host: string;
  port: number;
  /** Queries answered so far (any rcode); lets tests see that a client did ask. */
  readonly queries: number;
  close(): Promise<void>;
};

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4 } as const;
const HEADER_BYTES = 12;
const MAX_UDP_PAYLOAD = 512; // without EDNS; larger answers are truncated so the client retries over TCP
const TCP_IDLE_MS = 10_000;
const MAX_TCP_BUFFER = 65_537;

type Reply = Buffer | undefined;

/** Builds the reply to one query message; undefined means: send nothing. Malformed input never makes it throw (a throwing lookup does). */
export async function answerQuery(message: Buffer, lookup: DnsLookup): Promise<Reply> {
  let query: dnsPacket.DecodedPacket;
  try {
    query = dnsPacket.decode(message);
  } catch {
    return formatError(message);
  }
  if (query.type !== 'query') return undefined; // never answer responses: no reflection loops
  const id = query.id ?? 0;
  const rd = query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0;
  const opcode = (message.readUInt16BE(2) >> 11) & 0xf;
  if (opcode !== 0) return encodeReply(id, rd, RCODE.NOTIMP, query.questions ?? [], []);
  const question = query.questions?.[0];
  if (!question || (query.questions?.length ?? 0) > 1) return encodeReply(id, rd, RCODE.FORMERR, [], []);

  const name = question.name.toLowerCase().replace(/\.$/, '');
  const found = await lookup(name);
  if (found === 'drop') return undefined;
  if (found === 'servfail') return encodeReply(id, rd, RCODE.SERVFAIL, [question], []);
  if (found === undefined) return encodeReply(id, rd, RCODE.NXDOMAIN, [question], []);

  const family = question.type === 'A' ? 4 : question.type === 'AAAA' ? 6 : 0;
  const answers: dnsPacket.Answer[] = found.addresses
    .filter((address) => family !== 0 && net.isIP(address) === family)
    .map((data) => ({ type: question.type as 'A' | 'AAAA', class: 'IN', name: question.name, ttl: found.ttl, data }));
  // An owned name without records of the asked type is NODATA: NOERROR with no answers.
  return encodeReply(id, rd, RCODE.NOERROR, [question], answers);
}

function encodeReply(id: number, rd: number, rcode: number, questions: dnsPacket.Question[], answers: dnsPacket.Answer[]): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | rd | rcode,
    questions,
    answers,
  });
}

/** FORMERR for a message whose header we can read as a query; anything shorter is dropped. */
function formatError(message: Buffer): Reply {
  if (message.length < HEADER_BYTES) return undefined;
  const isResponse = (message.readUInt16BE(2) & 0x8000) !== 0;
  if (isResponse) return undefined;
  return encodeReply(message.readUInt16BE(0), 0, RCODE.FORMERR, [], []);
}

/** A UDP reply too large for one datagram goes out with TC set and no answers. */
function fitUdp(reply: Buffer): Buffer {
  if (reply.length <= MAX_UDP_PAYLOAD) return reply;
  const decoded = dnsPacket.decode(reply);
  return dnsPacket.encode({
    type: 'response',
    id: decoded.id ?? 0,
    flags: ((decoded.flags ?? 0) & 0x7fff) | dnsPacket.TRUNCATED_RESPONSE,
    questions: decoded.questions ?? [],
    answers: [],
  });
}

export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const host = options.host ?? '127.0.0.1';
  const onError = options.onError ?? (() => {});
  let queries = 0;
  const handle = async (message: Buffer): Promise<Reply> => {
    try {
      const reply = await answerQuery(message, options.lookup);
      if (reply) queries += 1;
      return reply;
    } catch (error) {
      onError(error); // a throwing lookup must not take the server down
      return undefined;
    }
  };

  // UDP and TCP must share a port; with port 0 the UDP choice may be taken for TCP, so retry.
  for (let attempt = 0; ; attempt += 1) {
    const udp = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    udp.on('error', onError);
    udp.on('message', (message, remote) => {
      void handle(message).then((reply) => {
        if (reply) udp.send(fitUdp(reply), remote.port, remote.address, (err) => err && onError(err));
      });
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(options.port ?? 0, host, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    const port = udp.address().port;
    const sockets = new Set<net.Socket>();
    const tcp = net.createServer((socket) => serveTcp(socket, handle, sockets, onError));
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, host, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      udp.close();
      if ((options.port ?? 0) === 0 && attempt < 10) continue;
      throw error;
    }
    tcp.on('error', onError);
    return {
      host,
      port,
      get queries() {
        return queries;
      },
      close: async () => {
        for (const socket of sockets) socket.destroy();
        await Promise.all([
          new Promise<void>((resolve) => udp.close(() => resolve())),
          new Promise<void>((resolve) => tcp.close(() => resolve())),
        ]);
      },
    };
  }
}

/** DNS over TCP: each message carries a two-byte length prefix; several may share a connection. */
function serveTcp(socket: net.Socket, handle: (m: Buffer) => Promise<Reply>, sockets: Set<net.Socket>, onError: (e: unknown) => void): void {
  sockets.add(socket);
  socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', onError);
  let buffer = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    if (buffer.length > MAX_TCP_BUFFER) return socket.destroy();
    while (buffer.length >= 2) {
      const length = buffer.readUInt16BE(0);
      if (buffer.length < 2 + length) break;
      const message = buffer.subarray(2, 2 + length);
      buffer = buffer.subarray(2 + length);
      void handle(message).then((reply) => {
        if (!reply || socket.destroyed) return;
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(reply.length);
        socket.write(Buffer.concat([prefix, reply]));
      });
    }
  });
}
