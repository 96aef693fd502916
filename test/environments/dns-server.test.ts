import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerQuery, startDnsServer, type DnsLookupResult, type DnsServer } from '../../src/environments/dns-server.js';

const table: Record<string, DnsLookupResult> = {
  'callback-1.vipps.no': { addresses: ['127.0.1.1', '::1'], ttl: 42 },
  'v4only.test': { addresses: ['192.0.2.7'], ttl: 5 },
  'broken.test': 'servfail',
  'silent.test': 'drop',
  'many.test': { addresses: Array.from({ length: 60 }, (_, i) => `198.51.100.${i + 1}`), ttl: 30 },
};
let server: DnsServer;

function udpAsk(message: Buffer, timeoutMs = 500): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      resolve(undefined);
    }, timeoutMs);
    socket.on('message', (reply) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    });
    socket.send(message, server.port, '127.0.0.1');
  });
}

const PROBE_ID = 0x5eed;

/**
 * Sends `message`, then a query the server does answer, from one socket, and resolves with every
 * datagram that came back before the answer to that probe. The server handles one socket's
 * datagrams in order, so an answer to `message` would come first: an empty list proves it sent
 * none, without waiting out a timeout.
 */
function udpRepliesBeforeProbe(message: Buffer): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const before: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`the probe query got no answer (got ${before.length} other datagrams)`));
    }, 5_000);
    socket.on('message', (reply) => {
      if (reply.length >= 12 && reply.readUInt16BE(0) === PROBE_ID) {
        clearTimeout(timer);
        socket.close();
        resolve(before);
      } else before.push(reply);
    });
    socket.send(message, server.port, '127.0.0.1', () => socket.send(query('v4only.test', 'A', PROBE_ID), server.port, '127.0.0.1'));
  });
}

function query(name: string, type: 'A' | 'AAAA' | 'MX', id = 4242): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] });
}

const dataOf = (packet: dnsPacket.DecodedPacket) => (packet.answers ?? []).map((a) => ('data' in a ? a.data : undefined));

function rcodeOf(packet: dnsPacket.DecodedPacket): string {
  return (packet as unknown as { rcode: string }).rcode;
}

beforeAll(async () => {
  server = await startDnsServer({ lookup: (name) => table[name] });
});
afterAll(() => server.close());

describe('dns server', () => {
  it('binds an ephemeral port on 127.0.0.1', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
  });

  it('answers A with the given TTL, authoritative, echoing id and question', async () => {
    const reply = dnsPacket.decode((await udpAsk(query('Callback-1.Vipps.no', 'A', 777)))!);
    expect(reply.id).toBe(777);
    expect(reply.type).toBe('response');
    expect(reply.flag_aa).toBe(true);
    expect(rcodeOf(reply)).toBe('NOERROR');
    expect(reply.questions?.[0]?.name).toBe('Callback-1.Vipps.no');
    expect(reply.answers).toEqual([expect.objectContaining({ type: 'A', data: '127.0.1.1', ttl: 42 })]);
  });

  it('answers AAAA from the same lookup, and NODATA when the name has no address of that type', async () => {
    const aaaa = dnsPacket.decode((await udpAsk(query('callback-1.vipps.no', 'AAAA')))!);
    expect(dataOf(aaaa)).toEqual(['::1']);
    const nodata = dnsPacket.decode((await udpAsk(query('v4only.test', 'AAAA')))!);
    expect(rcodeOf(nodata)).toBe('NOERROR');
    expect(nodata.answers).toEqual([]);
    const mx = dnsPacket.decode((await udpAsk(query('v4only.test', 'MX')))!);
    expect(rcodeOf(mx)).toBe('NOERROR');
    expect(mx.answers).toEqual([]);
  });

  it('answers NXDOMAIN for names it does not own, and SERVFAIL when told to', async () => {
    expect(rcodeOf(dnsPacket.decode((await udpAsk(query('example.org', 'A')))!))).toBe('NXDOMAIN');
    expect(rcodeOf(dnsPacket.decode((await udpAsk(query('broken.test', 'A')))!))).toBe('SERVFAIL');
  });

  it('stays silent for a dropped name (a client sees a timeout)', async () => {
    expect(await udpRepliesBeforeProbe(query('silent.test', 'A'))).toEqual([]);
  });

  it('answers FORMERR to a malformed query whose header it can read, drops shorter garbage, and keeps serving', async () => {
    const header = Buffer.alloc(12);
    header.writeUInt16BE(0xbeef, 0);
    header.writeUInt16BE(1, 4); // claims one question that is not there
    const formerr = dnsPacket.decode((await udpAsk(Buffer.concat([header, Buffer.from([0xff, 0xff, 0xff])])))!);
    expect(formerr.id).toBe(0xbeef);
    expect(rcodeOf(formerr)).toBe('FORMERR');
    expect(await udpRepliesBeforeProbe(Buffer.from([1, 2, 3]))).toEqual([]);
    const after = dnsPacket.decode((await udpAsk(query('v4only.test', 'A')))!);
    expect(dataOf(after)).toEqual(['192.0.2.7']);
  });

  it('never answers a response packet (no reflection loops)', async () => {
    const response = dnsPacket.encode({ type: 'response', id: 9, questions: [{ type: 'A', name: 'v4only.test', class: 'IN' }], answers: [] });
    expect(await udpRepliesBeforeProbe(response)).toEqual([]);
  });

  it('truncates an over-long UDP answer and serves it in full over TCP', async () => {
    const udp = dnsPacket.decode((await udpAsk(query('many.test', 'A')))!);
    expect(udp.flag_tc).toBe(true);
    expect(udp.answers).toEqual([]);

    const replies = await new Promise<Buffer[]>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1');
      const q1 = query('many.test', 'A', 1);
      const q2 = query('example.org', 'A', 2);
      const framed = (m: Buffer) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 255]), m]);
      socket.write(Buffer.concat([framed(q1), framed(q2)])); // two queries on one connection
      let buffer = Buffer.alloc(0);
      const got: Buffer[] = [];
      socket.on('data', (chunk) => {
        buffer = Buffer.concat([buffer, chunk]);
        while (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
          got.push(buffer.subarray(2, 2 + buffer.readUInt16BE(0)));
          buffer = buffer.subarray(2 + buffer.readUInt16BE(0));
        }
        if (got.length === 2) {
          socket.end();
          resolve(got);
        }
      });
      socket.on('error', reject);
    });
    const decoded = replies.map((r) => dnsPacket.decode(r)).sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
    expect(decoded[0]!.answers).toHaveLength(60);
    expect(rcodeOf(decoded[1]!)).toBe('NXDOMAIN');
  });

  it('survives a lookup that throws', async () => {
    const errors: unknown[] = [];
    const fragile = await startDnsServer({
      lookup: (name) => {
        if (name === 'x.test') throw new Error('boom');
        return table[name];
      },
      onError: (e) => errors.push(e),
    });
    try {
      const socket = dgram.createSocket('udp4');
      socket.send(query('x.test', 'A', 1), fragile.port, '127.0.0.1');
      // The throwing query gets no answer; the next one, sent after it on the same socket, does:
      // by then the server has handled (and reported) the first.
      const reply = new Promise<Buffer>((resolve) => socket.once('message', resolve));
      socket.send(query('v4only.test', 'A', 2), fragile.port, '127.0.0.1');
      const answered = dnsPacket.decode(await reply);
      socket.close();
      expect(answered.id).toBe(2);
      expect(dataOf(answered)).toEqual(['192.0.2.7']);
      expect(errors).toHaveLength(1);
      expect((errors[0] as Error).message).toBe('boom');
    } finally {
      await fragile.close();
    }
  });

  it('handles thousands of random and mutated packets without throwing, then still answers', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const valid = query('callback-1.vipps.no', 'A');
    for (let i = 0; i < 3000; i += 1) {
      const packet = i % 2 === 0
        ? Buffer.from(Array.from({ length: Math.floor(random() * 80) }, () => Math.floor(random() * 256)))
        : Buffer.from(valid.map((byte) => (random() < 0.1 ? Math.floor(random() * 256) : byte)));
      await answerQuery(packet, (name) => table[name]); // must not reject
      if (i % 100 === 0) udpAsk(packet, 1).catch(() => {}); // some of them over the wire too
    }
    const after = dnsPacket.decode((await udpAsk(query('v4only.test', 'A')))!);
    expect(dataOf(after)).toEqual(['192.0.2.7']);
  });
});
