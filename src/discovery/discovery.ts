/**
 * LAN peer discovery: the UDP shell around the announce codec and the peer table.
 *
 * Every host running swarm binds the same UDP port (with SO_REUSEADDR, so several processes on
 * one host share it), broadcasts an announce at once and then every `intervalMs` (+-25% jitter)
 * to each broadcast address, and listens for the announces of others. A peer that announces a
 * swarm id we also announce is reported with a `'peer'` event, for the session to connect to over
 * TCP. Announces always go to a broadcast address: on Linux a broadcast datagram reaches every
 * socket sharing the port, a unicast one only one of them.
 *
 * Safety: discovery never answers a packet (so it cannot amplify); malformed, foreign, own and
 * over-rate packets are counted and dropped; a peer's address is the datagram's source address.
 * With a swarm secret (`secretKey`), announces are sealed with an HMAC and a timestamp, and only
 * packets sealed with the same secret, recent and not replayed are taken (see `announce-auth.ts`).
 *
 * Not responsible for: connecting to peers, proving they know the swarm key (the TCP handshake
 * does), or choosing the addresses (the session passes them in, see `broadcast-addresses.ts`).
 * Concurrency: one event loop; rounds never overlap; `announceNow()` calls coalesce.
 */
import { EventEmitter } from 'node:events';
import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import DgramAsPromised from 'dgram-as-promised';
import type { RemoteInfo, SocketAsPromised } from 'dgram-as-promised';
import { UsageError } from '../errors.js';
import { randomBytes } from 'node:crypto';
import { decodeAnnounce, encodeAnnounce, PEER_ID_BYTES, type Announce } from './announce-codec.js';
import { openAnnounce, ReplayGuard, sealAnnounce } from './announce-auth.js';
import { announceBatches, jitteredDelayMs } from './announce-plan.js';
import { defaultBroadcastAddresses } from './broadcast-addresses.js';
import { PeerTable, type PeerEntry } from './peer-table.js';
import { DEFAULT_DISCOVERY_PORT } from '../config/transfer-keys.js';

/** The UDP port discovery uses unless told otherwise (defined with the `discovery-port` config key). */
export { DEFAULT_DISCOVERY_PORT };
/** The mean time between announce rounds unless told otherwise. */
export const DEFAULT_ANNOUNCE_INTERVAL_MS = 2000;
/** `announceNow()` never starts a round sooner than this after the previous one began. */
export const MIN_ANNOUNCE_GAP_MS = 500;

/** Options of {@link Discovery}. */
export interface DiscoveryOptions {
  /** Our peer id, 20 bytes; announces carrying it are ours and ignored. */
  readonly peerId: Buffer;
  /** The TCP port we accept peer connections on, 1..65535. */
  readonly tcpPort: number;
  /** The swarm ids we hold or want; called at every round and for every packet received. */
  readonly swarmIds: () => readonly Buffer[];
  /** @default DEFAULT_DISCOVERY_PORT */
  readonly discoveryPort?: number;
  /**
   * Where announces are sent, each on `discoveryPort`.
   * @default defaultBroadcastAddresses(os.networkInterfaces()), read in start()
   */
  readonly broadcastAddresses?: readonly string[];
  /**
   * The local address the UDP socket binds; `null` for all interfaces. On Linux a socket bound
   * to a unicast address receives no broadcasts: pass an interface's broadcast address instead
   * (see `broadcastAddressOf`), e.g. `127.255.255.255` for loopback only.
   * @default null
   */
  readonly bindAddress?: string | null;
  /** @default DEFAULT_ANNOUNCE_INTERVAL_MS */
  readonly intervalMs?: number;
  /** Peers and swarm ids not heard from for this long are forgotten. @default 4 * intervalMs */
  readonly peerTtlMs?: number;
  /** A source of numbers in [0, 1) for the jitter. @default Math.random */
  readonly random?: () => number;
  /**
   * The swarm secret's discovery key (32 bytes, see `secretKeys`), or null for plain announces.
   * @default null
   */
  readonly secretKey?: Buffer | null;
}

/** A peer that shares at least one swarm id with us. */
export interface DiscoveredPeer {
  readonly peerId: Buffer;
  /** The source address of its announce. */
  readonly address: string;
  readonly tcpPort: number;
  /** The swarm ids of this announce that we announce too (never empty). */
  readonly swarmIds: Buffer[];
}

/** Counters since construction. */
export interface DiscoveryStats {
  readonly packetsSent: number;
  readonly sendErrors: number;
  readonly packetsReceived: number;
  /** Not a well-formed v1 announce: garbage, foreign, oversized, truncated. */
  readonly packetsMalformed: number;
  /** Well-formed but dropped: our own, over the per-source rate, stale or replayed. */
  readonly packetsIgnored: number;
  readonly peersKnown: number;
}

/** Events of {@link Discovery}. `warning` reports a failed send or a throwing `swarmIds()`. */
export interface DiscoveryEvents {
  peer: [peer: DiscoveredPeer];
  warning: [error: Error];
}

type State = 'idle' | 'starting' | 'running' | 'stopped';
type Counters = { -readonly [K in keyof DiscoveryStats]: number };

/** The discovery shell. Construct, `start()`, listen for `'peer'`, `stop()`. Not restartable. */
export class Discovery extends EventEmitter<DiscoveryEvents> {
  readonly #peerId: Buffer;
  readonly #tcpPort: number;
  readonly #swarmIds: () => readonly Buffer[];
  readonly #discoveryPort: number;
  readonly #bindAddress: string | null;
  readonly #intervalMs: number;
  readonly #peerTtlMs: number;
  readonly #random: () => number;
  readonly #table: PeerTable;
  readonly #secretKey: Buffer | null;
  readonly #replays = new ReplayGuard();
  readonly #counters: Counters = { packetsSent: 0, sendErrors: 0, packetsReceived: 0, packetsMalformed: 0, packetsIgnored: 0, peersKnown: 0 };
  #broadcastAddresses: readonly string[] | null;
  #state: State = 'idle';
  #socket: SocketAsPromised | null = null;
  #startPromise: Promise<void> | null = null;
  #stopPromise: Promise<void> | null = null;
  #roundPromise: Promise<void> | null = null;
  #roundRunning = false;
  #roundIndex = 0;
  #nowRequested = false;
  #lastRoundStartMs = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | null = null;
  #timerDueMs = Number.POSITIVE_INFINITY;

  /** Validates the options; no side effects. @throws TypeError quoting a bad option. */
  constructor(options: DiscoveryOptions) {
    super();
    checkOptions(options);
    this.#peerId = Buffer.from(options.peerId);
    this.#tcpPort = options.tcpPort;
    this.#swarmIds = options.swarmIds;
    this.#discoveryPort = options.discoveryPort ?? DEFAULT_DISCOVERY_PORT;
    this.#broadcastAddresses = options.broadcastAddresses === undefined ? null : [...options.broadcastAddresses];
    this.#bindAddress = options.bindAddress ?? null;
    this.#intervalMs = options.intervalMs ?? DEFAULT_ANNOUNCE_INTERVAL_MS;
    this.#peerTtlMs = options.peerTtlMs ?? 4 * this.#intervalMs;
    this.#random = options.random ?? Math.random;
    this.#table = new PeerTable({ ownPeerId: this.#peerId });
    this.#secretKey = options.secretKey ?? null;
  }

  /**
   * Binds the UDP port, sends the first announce round, and schedules the next ones.
   * @throws UsageError when the port cannot be bound (in use without SO_REUSEADDR, bad address).
   * @throws TypeError when called twice.
   */
  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new TypeError(`start() needs an idle discovery, this one is ${this.#state}`);
    this.#state = 'starting';
    this.#startPromise = this.#open();
    await this.#startPromise;
  }

  /** Sends a round soon (e.g. our swarm ids changed), at most one per MIN_ANNOUNCE_GAP_MS. No-op unless running. */
  announceNow(): void {
    if (this.#state !== 'running') return;
    if (this.#roundRunning) {
      this.#nowRequested = true;
      return;
    }
    this.#schedule(Math.max(0, this.#lastRoundStartMs + MIN_ANNOUNCE_GAP_MS - performance.now()));
  }

  /** Stops announcing and closes the socket; resolves when closed. Idempotent. */
  stop(): Promise<void> {
    this.#stopPromise ??= this.#close();
    return this.#stopPromise;
  }

  /** Known peers that announced `swarmId` (whether or not we share it), least recently heard first. */
  peersFor(swarmId: Uint8Array): PeerEntry[] {
    return this.#table.peersFor(swarmId);
  }

  /** Counters of packets sent, received and dropped. */
  get stats(): DiscoveryStats {
    return { ...this.#counters, peersKnown: this.#table.size };
  }

  async #open(): Promise<void> {
    this.#broadcastAddresses ??= defaultBroadcastAddresses(networkInterfaces());
    const socket = DgramAsPromised.createSocket({ type: 'udp4', reuseAddr: true });
    socket.socket.on('message', this.#onMessage);
    const bindAddress = this.#bindAddress ?? '0.0.0.0';
    try {
      await socket.bind(this.#discoveryPort, bindAddress);
    } catch (err) {
      this.#state = 'stopped';
      socket.socket.off('message', this.#onMessage);
      try {
        socket.socket.close();
      } catch {
        // already closed by the failed bind
      }
      const code = (err as { code?: unknown }).code;
      throw new UsageError(
        `cannot bind UDP discovery port ${this.#discoveryPort} on ${bindAddress} (${String(code ?? err)}); choose another discovery port or bind address`,
        { cause: err },
      );
    }
    socket.setBroadcast(true);
    this.#socket = socket;
    if (this.#state !== 'starting') return; // stop() was called while binding
    this.#state = 'running';
    this.#roundPromise = this.#round();
    await this.#roundPromise;
  }

  async #close(): Promise<void> {
    this.#state = 'stopped';
    this.#clearTimer();
    await this.#startPromise?.catch(() => undefined);
    await this.#roundPromise;
    const socket = this.#socket;
    this.#socket = null;
    if (socket === null) return;
    socket.socket.off('message', this.#onMessage);
    await socket.close().catch(() => undefined);
  }

  /** One announce round, then the next one is scheduled. Never rejects. */
  async #round(): Promise<void> {
    this.#roundRunning = true;
    this.#nowRequested = false;
    this.#lastRoundStartMs = performance.now();
    this.#table.expire(this.#lastRoundStartMs, this.#peerTtlMs);
    try {
      await this.#sendRound();
    } catch (err) {
      this.emit('warning', toError(err));
    }
    this.#roundRunning = false;
    if (this.#state !== 'running') return;
    this.#schedule(this.#nowRequested ? MIN_ANNOUNCE_GAP_MS : jitteredDelayMs(this.#intervalMs, this.#random()));
  }

  async #sendRound(): Promise<void> {
    const batches = announceBatches(this.#swarmIds(), this.#roundIndex++);
    for (const batch of batches) {
      const plain = encodeAnnounce({ peerId: this.#peerId, tcpPort: this.#tcpPort, swarmIds: batch });
      const packet = this.#secretKey ? sealAnnounce(plain, this.#secretKey, Date.now(), randomBytes(8)) : plain;
      for (const address of this.#broadcastAddresses ?? []) await this.#send(packet, address);
    }
  }

  async #send(packet: Buffer, address: string): Promise<void> {
    if (this.#socket === null || this.#state !== 'running') return;
    try {
      await this.#socket.send(packet, this.#discoveryPort, address);
      this.#counters.packetsSent++;
    } catch (err) {
      this.#counters.sendErrors++;
      this.emit('warning', toError(err));
    }
  }

  /** Arms the round timer to fire in `delayMs`, unless it is already due sooner. */
  #schedule(delayMs: number): void {
    const dueMs = performance.now() + delayMs;
    if (this.#timer !== null && this.#timerDueMs <= dueMs) return;
    this.#clearTimer();
    this.#timerDueMs = dueMs;
    this.#timer = setTimeout(this.#onTimer, delayMs);
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerDueMs = Number.POSITIVE_INFINITY;
  }

  readonly #onTimer = (): void => {
    this.#timer = null;
    this.#timerDueMs = Number.POSITIVE_INFINITY;
    if (this.#state !== 'running' || this.#roundRunning) return;
    this.#roundPromise = this.#round();
  };

  readonly #onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    this.#counters.packetsReceived++;
    if (this.#state !== 'running') return;
    const announce = this.#decode(msg);
    if (announce === 'ignored') {
      this.#counters.packetsIgnored++;
      return;
    }
    if (announce === null) {
      this.#counters.packetsMalformed++;
      return;
    }
    if (this.#table.observe(announce, rinfo.address, performance.now()) === 'ignored') {
      this.#counters.packetsIgnored++;
      return;
    }
    const shared = this.#sharedSwarmIds(announce.swarmIds);
    if (shared.length === 0) return;
    this.emit('peer', { peerId: announce.peerId, address: rinfo.address, tcpPort: announce.tcpPort, swarmIds: shared });
  };

  /** The announce in `msg`, null when malformed or not sealed with our secret, 'ignored' when stale or replayed. */
  #decode(msg: Buffer): Announce | null | 'ignored' {
    if (this.#secretKey === null) return decodeAnnounce(msg);
    const opened = openAnnounce(msg, this.#secretKey);
    if (opened === null) return null;
    return this.#replays.admit(opened.packetId, opened.timestampMs, Date.now()) === 'fresh' ? opened.announce : 'ignored';
  }

  #sharedSwarmIds(theirs: readonly Buffer[]): Buffer[] {
    let ours: Set<string>;
    try {
      ours = new Set(this.#swarmIds().map((id) => id.toString('hex')));
    } catch (err) {
      this.emit('warning', toError(err));
      return [];
    }
    return theirs.filter((id) => ours.has(id.toString('hex')));
  }
}

function checkOptions(options: DiscoveryOptions): void {
  if (!Buffer.isBuffer(options.peerId) || options.peerId.length !== PEER_ID_BYTES) {
    throw new TypeError(`peerId must be a ${PEER_ID_BYTES}-byte Buffer, got ${String(options.peerId)}`);
  }
  checkPort('tcpPort', options.tcpPort);
  if (options.discoveryPort !== undefined) checkPort('discoveryPort', options.discoveryPort);
  if (typeof options.swarmIds !== 'function') throw new TypeError(`swarmIds must be a function, got ${String(options.swarmIds)}`);
  if (options.random !== undefined && typeof options.random !== 'function') {
    throw new TypeError(`random must be a function, got ${String(options.random)}`);
  }
  for (const address of options.broadcastAddresses ?? []) {
    if (!isIPv4(address)) throw new TypeError(`broadcastAddresses must be IPv4 addresses, got ${JSON.stringify(address)}`);
  }
  const bind = options.bindAddress;
  if (bind !== undefined && bind !== null && !isIPv4(bind)) {
    throw new TypeError(`bindAddress must be an IPv4 address or null, got ${JSON.stringify(bind)}`);
  }
  const key = options.secretKey;
  if (key !== undefined && key !== null && (!Buffer.isBuffer(key) || key.length !== 32)) {
    throw new TypeError(`secretKey must be a 32-byte Buffer or null, got ${String(key)}`);
  }
  for (const name of ['intervalMs', 'peerTtlMs'] as const) {
    const value = options[name];
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new TypeError(`${name} must be a positive number, got ${String(value)}`);
    }
  }
}

function checkPort(name: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 0xffff) {
    throw new TypeError(`${name} must be an integer in 1..65535, got ${String(port)}`);
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
