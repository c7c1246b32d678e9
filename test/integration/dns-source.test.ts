/**
 * DnsSource against a real Debian dnsmasq on 127.0.0.1, and against hostile DNS servers (node
 * dgram sockets on 127.0.0.1) that answer with garbage or a truncated packet. Also FixedSource's
 * default lookup, on localhost. NETWORK SAFETY: loopback only.
 */
import { afterAll, afterEach, beforeAll, describe, it, expect } from 'vitest';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DnsSource } from '../../src/peer-sources/dns-source.js';
import { FixedSource } from '../../src/peer-sources/fixed-source.js';
import { findDnsmasq, startDnsmasq, type Dnsmasq, type HostRecord } from '../helpers/dnsmasq.js';
import { LOCAL_PEER, RecordingSink } from '../helpers/recording-sink.js';

const DNSMASQ = findDnsmasq();
const DOMAIN = 'swarm.test';
const PEERS = `peers.${DOMAIN}`;
const FIRST_RECORDS: HostRecord[] = [[PEERS, '127.0.0.2'], [PEERS, '127.0.0.3'], [PEERS, '127.0.0.4'], [PEERS, '::1']];
const SECOND_RECORDS: HostRecord[] = [[PEERS, '127.0.0.5'], [PEERS, '127.0.0.6']];

const sources: Array<DnsSource | FixedSource> = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => { unhandled.push(reason); };

beforeAll(() => { process.on('unhandledRejection', onUnhandled); });
afterAll(() => { process.off('unhandledRejection', onUnhandled); });
afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.stop()));
  expect(unhandled).toEqual([]);
});

async function startDns(name: string, servers: string[], intervalMs = 200): Promise<RecordingSink> {
  const sink = new RecordingSink();
  const source = new DnsSource({ name, port: 41771, servers, intervalMs });
  sources.push(source);
  await source.start(LOCAL_PEER, [], sink);
  return sink;
}

const lastBatch = (sink: RecordingSink): string[] => sink.batchAddresses().at(-1) ?? [];

describe.skipIf(DNSMASQ === null)(`DnsSource against dnsmasq${DNSMASQ === null ? ' (skipped: dnsmasq is not installed; apt-get install dnsmasq-base)' : ''}`, () => {
  let dir = '';
  let dnsmasq: Dnsmasq | null = null;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swarm-dnsmasq-'));
    dnsmasq = await startDnsmasq(DNSMASQ ?? '', dir, DOMAIN, FIRST_RECORDS);
  });

  afterAll(async () => {
    await dnsmasq?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports every A and AAAA record with the port, answers once, and leaves no timer holding the process', async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const sink = await startDns(PEERS, [`127.0.0.1:${dnsmasq?.port}`]);
    await sink.until(() => sink.answers.length > 0);
    expect(sink.batchAddresses()).toEqual([['127.0.0.2:41771', '127.0.0.3:41771', '127.0.0.4:41771', '[::1]:41771']]);
    expect(sink.warnings).toEqual([]);
    expect(process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout')).toHaveLength(timersBefore);
    await sink.until(() => sink.batches.length >= 3);
    expect(sink.answers).toEqual([null]);
  });

  it('warns that a name without records has none (yet), and answers', async () => {
    const sink = await startDns(`missing.${DOMAIN}`, [`127.0.0.1:${dnsmasq?.port}`]);
    await sink.until(() => sink.answers.length > 0);
    expect(sink.warnings).toEqual([`--peers-dns missing.${DOMAIN}: missing.${DOMAIN} has no A/AAAA records (yet); asking again every 200 ms`]);
    expect(sink.batches).toEqual([]);
  });

  it('sees a changed record list at the next interval after dnsmasq restarts', async () => {
    const port = dnsmasq?.port ?? 0;
    const sink = await startDns(PEERS, [`127.0.0.1:${port}`]);
    await sink.until(() => sink.batches.length > 0);
    await dnsmasq?.stop();
    dnsmasq = await startDnsmasq(DNSMASQ ?? '', dir, DOMAIN, SECOND_RECORDS, port);
    await sink.until(() => lastBatch(sink).join() === '127.0.0.5:41771,127.0.0.6:41771');
    expect(sink.answers).toEqual([null]);
  });
});

/** A UDP "DNS server" on 127.0.0.1 that answers every query with `reply(query)`. */
async function hostileServer(reply: (query: Buffer) => Buffer): Promise<Socket> {
  const socket = createSocket('udp4');
  socket.on('message', (query, from) => socket.send(reply(query), from.port, from.address));
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return socket;
}

describe('DnsSource against hostile DNS servers', () => {
  const servers: Socket[] = [];
  afterEach(() => { for (const server of servers.splice(0)) server.close(); });

  const replies: Array<[string, (query: Buffer) => Buffer]> = [
    ['garbage bytes', () => Buffer.from('this is not DNS, only bytes to trip a parser\u0000\u00ff')],
    ['garbage after the query id', (query) => Buffer.concat([query.subarray(0, 2), Buffer.alloc(300, 0xff)])],
    ['a truncated packet', (query) => {
      const packet = Buffer.from(query.subarray(0, 7));
      packet[2] = (packet[2] ?? 0) | 0x80;
      return packet;
    }],
    ['an answer count with no answers', (query) => {
      const packet = Buffer.from(query);
      packet[2] = (packet[2] ?? 0) | 0x80;
      packet.writeUInt16BE(500, 6);
      return packet;
    }],
  ];

  it.each(replies)('%s: a warning with the code, no throw, answered', async (_what, reply) => {
    const server = await hostileServer(reply);
    servers.push(server);
    const asked = `127.0.0.1:${server.address().port}`;
    const sink = await startDns(PEERS, [asked], 60_000);
    await sink.until(() => sink.answers.length > 0, 15_000);
    expect(sink.batches).toEqual([]);
    expect(sink.warnings).toHaveLength(1);
    expect(sink.warnings[0]).toMatch(new RegExp(`^--peers-dns ${PEERS}: DNS lookup failed \\(A E[A-Z]+, AAAA E[A-Z]+\\) \\(asking ${asked}\\); asking again every 60 s$`));
  });
});

/** A well-formed reply: every address in `ipv4` as an A record (TTL 0); no AAAA records (NODATA). */
function aRecordsReply(ipv4: readonly string[]): (query: Buffer) => Buffer {
  return (query) => {
    let end = 12;
    while (end < query.length && query[end] !== 0) end += (query[end] ?? 0) + 1;
    const question = query.subarray(12, end + 5);
    const isA = question.readUInt16BE(question.length - 4) === 1;
    const header = Buffer.from(query.subarray(0, 12));
    header.writeUInt16BE(0x8180, 2);
    header.writeUInt16BE(isA ? ipv4.length : 0, 6);
    header.writeUInt32BE(0, 8);
    const records = isA ? ipv4.map((address) => Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, ...address.split('.').map(Number)])) : [];
    return Buffer.concat([header, question, ...records]);
  };
}

describe('DnsSource against a server that names addresses not to dial', () => {
  it('reports only the dialable ones, and warns when none is left', async () => {
    // Addresses inside the DNS answer only: the source must drop them, and nothing is sent to them
    // (the test asserts only 127.0.0.7 comes out; the DNS server itself is on 127.0.0.1).
    const mixed = await hostileServer(aRecordsReply(['0.0.0.0', '224.0.0.1', '127.0.0.7', '255.255.255.255', '239.1.2.3']));
    const none = await hostileServer(aRecordsReply(['0.0.0.0', '224.0.0.1']));
    try {
      const sink = await startDns(PEERS, [`127.0.0.1:${mixed.address().port}`], 60_000);
      await sink.until(() => sink.answers.length > 0);
      expect(sink.batchAddresses()).toEqual([['127.0.0.7:41771']]);
      expect(sink.warnings).toEqual([]);
      const empty = await startDns(PEERS, [`127.0.0.1:${none.address().port}`], 60_000);
      await empty.until(() => empty.answers.length > 0);
      expect(empty.batches).toEqual([]);
      expect(empty.warnings).toEqual([`--peers-dns ${PEERS}: ${PEERS} has no dialable address in its A/AAAA records (0.0.0.0, 224.0.0.1); asking again every 60 s`]);
    } finally {
      mixed.close();
      none.close();
    }
  });
});

describe('FixedSource with the system lookup', () => {
  it('resolves localhost and reports a literal', async () => {
    const sink = new RecordingSink();
    const source = new FixedSource({ peers: [{ host: '127.0.0.9', port: 7 }, { host: 'localhost', port: 8 }] });
    sources.push(source);
    await source.start(LOCAL_PEER, [], sink);
    await sink.until(() => sink.answers.length > 0);
    const [literals = [], localhost = []] = sink.batchAddresses();
    expect(literals).toEqual(['127.0.0.9:7']);
    expect(localhost.some((address) => address === '127.0.0.1:8' || address === '[::1]:8')).toBe(true);
  });
});
