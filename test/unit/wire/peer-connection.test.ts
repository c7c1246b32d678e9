import { describe, it, expect, vi, afterEach } from 'vitest';
import { once } from 'node:events';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { MAX_BLOCK_BYTES, MAX_FRAME_BYTES, encodeMessage } from '../../../src/wire/codec.js';
import type { WireMessage } from '../../../src/wire/codec.js';
import { authProof, encodeHello } from '../../../src/wire/handshake.js';
import { PeerConnection } from '../../../src/wire/peer-connection.js';
import type { PeerConnectionOptions } from '../../../src/wire/peer-connection.js';
import { duplexPair } from './duplex-pair.js';
import type { PipeEnd } from './duplex-pair.js';
import { plain } from '../../helpers/plain-message.js';

const SWARM = Buffer.alloc(32, 0x5a);
const ID_A = Buffer.from('-SW0001-aaaaaaaaaaaa');
const ID_B = Buffer.from('-SW0001-bbbbbbbbbbbb');
const KEY = Buffer.alloc(32, 0x4b);
const NONCE_A = Buffer.alloc(32, 0xa1);
const NONCE_B = Buffer.alloc(32, 0xb2);

function options(overrides: Partial<PeerConnectionOptions> = {}): PeerConnectionOptions {
  return {
    swarmId: SWARM,
    peerId: ID_A,
    authKey: KEY,
    dialled: true,
    nonce: NONCE_A,
    maxFrameBytes: MAX_FRAME_BYTES,
    handshakeTimeoutMs: 1000,
    idleTimeoutMs: 10_000,
    keepAliveIntervalMs: 3000,
    maxQueuedBytes: 64 * 1024,
    ...overrides,
  };
}

/** Runs stream callbacks (nextTick, microtasks) queued so far; setImmediate is never faked here. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Collects the connection's messages and its close reason. */
function record(conn: PeerConnection): { messages: WireMessage[]; closes: string[] } {
  const log = { messages: [] as WireMessage[], closes: [] as string[] };
  conn.on('message', (m) => log.messages.push(m));
  conn.on('close', (reason) => log.closes.push(reason));
  return log;
}

/** A started connection on one end of a pair; the test plays the peer on `raw`. */
function withRawPeer(overrides: Partial<PeerConnectionOptions> = {}): { conn: PeerConnection; raw: PipeEnd; log: ReturnType<typeof record> } {
  const [ours, raw] = duplexPair();
  const conn = new PeerConnection(ours, options(overrides));
  const log = record(conn);
  conn.start();
  return { conn, raw, log };
}

/** The raw peer (ID_B, the acceptor) sends its hello and a valid proof for our NONCE_A. */
const THEIR_PROOF = authProof({ authKey: KEY, swarmId: SWARM, senderDialled: false, senderPeerId: ID_B, receiverPeerId: ID_A, senderNonce: NONCE_B, receiverNonce: NONCE_A });
const THEIR_HANDSHAKE = Buffer.concat([encodeHello({ swarmId: SWARM, peerId: ID_B, nonce: NONCE_B }), THEIR_PROOF]);

afterEach(() => {
  vi.useRealTimers();
});

describe('PeerConnection between two connections', () => {
  it('exchanges handshakes, then delivers every message in order', async () => {
    const [endA, endB] = duplexPair();
    const a = new PeerConnection(endA, options());
    const b = new PeerConnection(endB, options({ peerId: ID_B, nonce: NONCE_B, dialled: false }));
    const handshakes: Buffer[] = [];
    a.on('handshake', (peerId) => handshakes.push(peerId));
    b.on('handshake', (peerId) => handshakes.push(peerId));
    const logB = record(b);
    a.start();
    b.start();
    await settle();
    expect(handshakes.map((id) => id.toString())).toEqual(expect.arrayContaining([ID_A.toString(), ID_B.toString()]));
    expect(b.remote?.peerId.equals(ID_A)).toBe(true);

    const sent: WireMessage[] = [
      { type: 'bitfield', bytes: Buffer.from('ff80', 'hex') },
      { type: 'interested' },
      { type: 'request', piece: 1, begin: 0, length: 16384 },
      { type: 'fetching', runs: [{ startPiece: 10, endPiece: 20 }] },
      { type: 'unknown', id: 200 },
      { type: 'reject', piece: 1, begin: 0, length: 16384 },
    ];
    for (const m of sent) expect(a.send(m)).toBe(true);
    a.sendPiece(3, 16384, Buffer.from('block!'));
    await settle();
    const expected: WireMessage[] = [...sent, { type: 'piece', piece: 3, begin: 16384, block: Buffer.from('block!') }];
    expect(logB.messages.map(plain)).toEqual(expected.map(plain));
    expect(logB.closes).toEqual([]);
  });

  it('closes both ends on a swarm id mismatch', async () => {
    const [endA, endB] = duplexPair();
    const a = new PeerConnection(endA, options());
    const b = new PeerConnection(endB, options({ peerId: ID_B, nonce: NONCE_B, swarmId: Buffer.alloc(32, 1) }));
    const logA = record(a);
    const logB = record(b);
    let handshakes = 0;
    a.on('handshake', () => handshakes++);
    a.start();
    b.start();
    await settle();
    expect(logA.closes).toEqual(['swarm id mismatch']);
    expect(logB.closes).toEqual(['swarm id mismatch']);
    expect(handshakes).toBe(0);
  });

  it('closes a connection to itself', async () => {
    const [endA, endB] = duplexPair();
    const a = new PeerConnection(endA, options());
    const b = new PeerConnection(endB, options());
    const logA = record(a);
    a.start();
    b.start();
    await settle();
    expect(logA.closes).toEqual(['connected to self']);
  });
});

describe('PeerConnection against a raw peer', () => {
  it('sends its 112-byte hello at start, and nothing before', () => {
    const [ours] = duplexPair();
    const conn = new PeerConnection(ours, options());
    expect(ours.listenerCount('data')).toBe(0);
    expect(ours.written).toHaveLength(0);
    conn.start();
    expect(ours.writtenBytes()).toEqual(encodeHello({ swarmId: SWARM, peerId: ID_A, nonce: NONCE_A }));
  });

  it('sends its proof only after the peer hello, and opens only after a valid proof', async () => {
    const { conn, raw, log } = withRawPeer();
    const ours = raw.other as PipeEnd;
    const opened: Buffer[] = [];
    conn.on('handshake', (peerId) => opened.push(peerId));
    const helloBytes = ours.writtenBytes().length;
    raw.write(THEIR_HANDSHAKE.subarray(0, 112));
    await settle();
    const ourProof = authProof({ authKey: KEY, swarmId: SWARM, senderDialled: true, senderPeerId: ID_A, receiverPeerId: ID_B, senderNonce: NONCE_A, receiverNonce: NONCE_B });
    expect(ours.writtenBytes().subarray(helloBytes)).toEqual(ourProof);
    expect(opened).toEqual([]);
    raw.write(THEIR_PROOF);
    raw.write(encodeMessage({ type: 'have', piece: 1 }));
    await settle();
    expect(opened).toEqual([ID_B]);
    expect(log.messages).toEqual([{ type: 'have', piece: 1 }]);
    expect(log.closes).toEqual([]);
  });

  it.each<[string, Buffer]>([
    ['a proof made with another key', authProof({ authKey: Buffer.alloc(32, 1), swarmId: SWARM, senderDialled: false, senderPeerId: ID_B, receiverPeerId: ID_A, senderNonce: NONCE_B, receiverNonce: NONCE_A })],
    ['our own proof reflected', authProof({ authKey: KEY, swarmId: SWARM, senderDialled: true, senderPeerId: ID_A, receiverPeerId: ID_B, senderNonce: NONCE_A, receiverNonce: NONCE_B })],
    ['a proof for the other direction', authProof({ authKey: KEY, swarmId: SWARM, senderDialled: true, senderPeerId: ID_B, receiverPeerId: ID_A, senderNonce: NONCE_B, receiverNonce: NONCE_A })],
    ['a proof replayed from another nonce', authProof({ authKey: KEY, swarmId: SWARM, senderDialled: false, senderPeerId: ID_B, receiverPeerId: ID_A, senderNonce: NONCE_B, receiverNonce: Buffer.alloc(32, 7) })],
    ['zeros', Buffer.alloc(32)],
  ])('closes on %s, before any frame is delivered or sent', async (_name, proof) => {
    const { conn, raw, log } = withRawPeer();
    const ours = raw.other as PipeEnd;
    raw.write(Buffer.concat([THEIR_HANDSHAKE.subarray(0, 112), proof, encodeMessage({ type: 'have', piece: 1 })]));
    await settle();
    expect(log.closes).toHaveLength(1);
    expect(log.closes[0]).toMatch(/^auth failed/);
    expect(log.messages).toEqual([]);
    expect(conn.send({ type: 'have', piece: 2 })).toBe(false);
    expect(ours.writtenBytes().length, 'only our hello and our proof were sent').toBe(112 + 32);
  });

  it('closes on a hello without the auth bit (an 80-byte handshake of an older peer)', async () => {
    const { raw, log } = withRawPeer();
    const hello = Buffer.from(THEIR_HANDSHAKE.subarray(0, 112));
    hello[27] = 0;
    raw.write(hello);
    await settle();
    expect(log.closes[0]).toMatch(/BAD_HANDSHAKE: the peer does not authenticate/);
  });

  it('takes frames in the same chunk as the handshake, and a handshake split in bytes', async () => {
    const { raw, log } = withRawPeer();
    const stream = Buffer.concat([THEIR_HANDSHAKE, encodeMessage({ type: 'have', piece: 7 }), encodeMessage({ type: 'choke' })]);
    raw.write(stream.subarray(0, 1));
    raw.write(stream.subarray(1, 83));
    raw.write(stream.subarray(83));
    await settle();
    expect(log.messages).toEqual([{ type: 'have', piece: 7 }, { type: 'choke' }]);
  });

  it('drops a peer speaking another protocol before 80 bytes arrive', async () => {
    const { raw, log } = withRawPeer();
    raw.write('GET / HTTP/1.1\r\n');
    await settle();
    expect(log.closes).toHaveLength(1);
    expect(log.closes[0]).toMatch(/BAD_HANDSHAKE/);
  });

  it.each<[string, string, RegExp]>([
    ['a bad body', '00000002 04 00', /wire error BAD_LENGTH/],
    ['an oversized frame', 'ffffffff', /wire error FRAME_TOO_LARGE/],
    ['a bad field', '0000000d 06 00000000 00000000 00000000', /wire error BAD_FIELD/],
  ])('closes on %s with the WireError as reason, throwing nothing', async (_name, frameHex, reason) => {
    const { conn, raw, log } = withRawPeer();
    raw.write(THEIR_HANDSHAKE);
    raw.write(Buffer.from(frameHex.replace(/ /g, ''), 'hex'));
    await settle();
    expect(log.closes).toHaveLength(1);
    expect(log.closes[0]).toMatch(reason);
    expect(conn.closed).toBe(true);
    expect(conn.send({ type: 'choke' })).toBe(false);
  });

  it('closes when the peer ends the stream', async () => {
    const { raw, log } = withRawPeer();
    raw.write(THEIR_HANDSHAKE);
    raw.end();
    await settle();
    expect(log.closes).toEqual(['peer ended the stream']);
  });

  it('destroy closes once with the caller reason and ends the stream', async () => {
    const { conn, raw, log } = withRawPeer();
    const ended = once(raw, 'end');
    raw.resume();
    conn.destroy('shutting down');
    conn.destroy('again');
    await ended;
    expect(log.closes).toEqual(['shutting down']);
    await expect(conn.drained()).resolves.toBeUndefined();
  });

  it('throws TypeErrors on misuse: send before start, start twice, bad options, bad fields', () => {
    const [ours] = duplexPair();
    const conn = new PeerConnection(ours, options());
    expect(() => conn.send({ type: 'choke' })).toThrow(/call start\(\) first/);
    conn.start();
    expect(() => conn.start()).toThrow(TypeError);
    expect(() => conn.send({ type: 'have', piece: -1 })).toThrow(/got -1/);
    expect(() => conn.sendPiece(0, 0, new Uint8Array(0))).toThrow(TypeError);
    expect(() => new PeerConnection(ours, options({ idleTimeoutMs: 0 }))).toThrow(/idleTimeoutMs .*got 0/);
    expect(() => new PeerConnection(ours, options({ maxQueuedBytes: 1.5 }))).toThrow(/maxQueuedBytes/);
    expect(() => new PeerConnection(ours, options({ swarmId: Buffer.alloc(31) }))).toThrow(/swarmId/);
    expect(() => new PeerConnection(ours, options({ maxFrameBytes: 4 }))).toThrow(/maxFrameBytes/);
  });
});

describe('PeerConnection backpressure', () => {
  it('send returns false over maxQueuedBytes; drain and drained() follow the flush', async () => {
    const { conn, raw, log } = withRawPeer({ maxQueuedBytes: 1000 });
    raw.write(THEIR_HANDSHAKE);
    await settle();
    const ours = raw.other as PipeEnd;
    ours.hold();
    expect(conn.send({ type: 'bitfield', bytes: new Uint8Array(500) })).toBe(true);
    expect(conn.send({ type: 'bitfield', bytes: new Uint8Array(500) })).toBe(false);
    expect(conn.queuedBytes).toBeGreaterThan(1000);
    let drains = 0;
    conn.on('drain', () => drains++);
    let resolved = false;
    void conn.drained().then(() => { resolved = true; });
    await settle();
    expect(resolved).toBe(false);
    ours.release();
    await settle();
    expect(drains).toBe(1);
    expect(resolved).toBe(true);
    expect(conn.queuedBytes).toBe(0);
    expect(log.closes).toEqual([]);
  });

  it('sendPiece returns false over maxQueuedPieceBytes while small messages are still welcome', async () => {
    const { conn, raw, log } = withRawPeer({ maxQueuedBytes: 1000, maxQueuedPieceBytes: 300 });
    raw.write(THEIR_HANDSHAKE);
    await settle();
    const ours = raw.other as PipeEnd;
    ours.hold();
    expect(conn.sendPiece(1, 0, Buffer.alloc(200))).toBe(true);
    expect(conn.sendPiece(1, 200, Buffer.alloc(200))).toBe(false);
    expect(conn.send({ type: 'have', piece: 3 }), 'a small message stays under maxQueuedBytes').toBe(true);
    let resolved = false;
    void conn.drained().then(() => { resolved = true; });
    ours.release();
    await settle();
    expect(resolved).toBe(true);
    expect(log.closes).toEqual([]);
    expect(() => withRawPeer({ maxQueuedPieceBytes: 0 })).toThrow(TypeError);
  });

  it('sendPiece writes the header, then the block itself, not a copy', async () => {
    const { conn, raw } = withRawPeer({ maxQueuedBytes: 100 });
    raw.write(THEIR_HANDSHAKE);
    await settle();
    const ours = raw.other as PipeEnd;
    const before = ours.written.length;
    const block = Buffer.alloc(300, 9);
    ours.hold();
    expect(conn.sendPiece(4, 32, block)).toBe(false);
    ours.release();
    await conn.drained();
    const [header, body] = ours.written.slice(before);
    expect(Buffer.from(header ?? []).toString('hex')).toBe('00000135' + '07' + '00000004' + '00000020');
    expect(body?.buffer).toBe(block.buffer);
    expect(ours.written.length - before).toBe(2);
  });

  it('sendPiece calls onSent once the stream is done with the block, and at once on a closed connection', async () => {
    const { conn, raw } = withRawPeer({ maxQueuedBytes: 100 });
    raw.write(THEIR_HANDSHAKE);
    await settle();
    const ours = raw.other as PipeEnd;
    const sent: string[] = [];
    ours.hold();
    conn.sendPiece(1, 0, Buffer.alloc(300, 1), () => sent.push('first'));
    await settle();
    expect(sent, 'not while the stream still holds the block').toEqual([]);
    ours.release();
    await conn.drained();
    await settle();
    expect(sent).toEqual(['first']);
    conn.destroy('test');
    expect(conn.sendPiece(2, 0, Buffer.alloc(10), () => sent.push('closed'))).toBe(false);
    expect(sent).toEqual(['first', 'closed']);
  });
});

describe('PeerConnection timers', () => {
  const FAKE = { toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] } as const;

  it('times out a handshake that trickles in one byte at a time', async () => {
    vi.useFakeTimers({ toFake: [...FAKE.toFake] });
    const { raw, log } = withRawPeer({ handshakeTimeoutMs: 1000 });
    for (let i = 0; i < 20; i++) {
      raw.write(THEIR_HANDSHAKE.subarray(i, i + 1));
      await settle();
      vi.advanceTimersByTime(50);
    }
    expect(log.closes).toEqual(['handshake timeout after 1000 ms']);
  });

  it('does not time out once the handshake arrived in time', async () => {
    vi.useFakeTimers({ toFake: [...FAKE.toFake] });
    const { raw, log } = withRawPeer({ handshakeTimeoutMs: 1000, idleTimeoutMs: 5000 });
    raw.write(THEIR_HANDSHAKE);
    await settle();
    vi.advanceTimersByTime(4999);
    expect(log.closes).toEqual([]);
  });

  it('closes after idleTimeoutMs without a received byte; each byte restarts the wait', async () => {
    vi.useFakeTimers({ toFake: [...FAKE.toFake] });
    const { raw, log } = withRawPeer({ idleTimeoutMs: 1000, keepAliveIntervalMs: 300 });
    raw.write(THEIR_HANDSHAKE);
    await settle();
    vi.advanceTimersByTime(900);
    raw.write(encodeMessage({ type: 'keep-alive' }));
    await settle();
    vi.advanceTimersByTime(999);
    expect(log.closes).toEqual([]);
    expect(log.messages).toEqual([{ type: 'keep-alive' }]);
    vi.advanceTimersByTime(1);
    expect(log.closes).toEqual(['idle timeout: nothing received for 1000 ms']);
  });

  it('sends a keep-alive after keepAliveIntervalMs without sending, counted from the last send', async () => {
    vi.useFakeTimers({ toFake: [...FAKE.toFake] });
    const { conn, raw } = withRawPeer({ idleTimeoutMs: 100_000, keepAliveIntervalMs: 300 });
    const ours = raw.other as PipeEnd;
    raw.write(THEIR_HANDSHAKE);
    await settle();
    const afterHandshake = ours.written.length;
    const sentAt = (): string[] => ours.written.slice(afterHandshake).map((c) => Buffer.from(c).toString('hex'));
    vi.advanceTimersByTime(299);
    expect(sentAt()).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sentAt()).toEqual(['00000000']);
    vi.advanceTimersByTime(200);
    conn.send({ type: 'interested' });
    vi.advanceTimersByTime(299);
    expect(sentAt()).toEqual(['00000000', '0000000102']);
    vi.advanceTimersByTime(1);
    expect(sentAt()).toEqual(['00000000', '0000000102', '00000000']);
    vi.advanceTimersByTime(300);
    expect(sentAt()).toHaveLength(4);
    conn.destroy('done');
    vi.advanceTimersByTime(10_000);
    expect(sentAt()).toHaveLength(4);
  });
});

describe('PeerConnection over loopback TCP', () => {
  it('moves a 1 MiB block and messages both ways', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    const [serverSocket] = await accepted;
    const a = new PeerConnection(client, options());
    const b = new PeerConnection(serverSocket, options({ peerId: ID_B, nonce: NONCE_B, dialled: false }));
    const logB = record(b);
    const logA = record(a);
    a.start();
    b.start();
    await Promise.all([once(a, 'handshake'), once(b, 'handshake')]);
    const block = Buffer.alloc(MAX_BLOCK_BYTES);
    for (let i = 0; i < block.length; i++) block[i] = (i * 31) & 0xff;
    const gotPiece = new Promise<WireMessage>((resolve) => b.on('message', (m) => { if (m.type === 'piece') resolve(m); }));
    a.sendPiece(12, 0, block);
    b.send({ type: 'have', piece: 12 });
    const piece = await gotPiece;
    expect(piece.type === 'piece' && Buffer.from(piece.block).equals(block)).toBe(true);
    if (logA.messages.length === 0) await once(a, 'message');
    expect(logA.messages).toEqual([{ type: 'have', piece: 12 }]);
    const closed = once(b, 'close');
    a.destroy('bye');
    expect(await closed).toEqual(['peer ended the stream']);
    expect(logB.closes).toEqual(['peer ended the stream']);
    server.close();
  });
});
