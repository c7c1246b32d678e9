/**
 * One host on the peer network: it owns the TCP listener, dialling, the connection caps and
 * lifecycle ({@link ConnectionTable}), the ban list and every peer source. `swarm-download` is a
 * host with one swarm, `swarm-server` a host with many. A swarm (one file) opens no socket and
 * starts no discovery: the host hands it connections whose proof handshake has passed.
 *
 * Incoming connections are routed to the swarm named by the swarm id of the peer's handshake: the
 * host reads the first {@link HANDSHAKE_BYTES} without consuming them (they are pushed back with
 * `unshift`), so the peer connection reads the whole handshake itself. Candidates from every
 * source (and from peer exchange) go into one candidate book; the host dials those that are due
 * (caps and per-address backoff in the table) for the swarms that want them, at once and then on
 * a one-second tick. A source can only suggest an address: the handshake decides.
 *
 * Not responsible for what runs over a connection (the swarm), nor for which files are held
 * (swarms attach and detach). Concurrency: one event loop; attach/detach take effect at once.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Server, type Socket } from 'node:net';
import { debugLog } from '../debug-log.js';
import { UsageError } from '../errors.js';
import type { ConnectionOrigin, PeerCandidate, PeerSource, PeerSourceKind, SwarmWant } from '../peer-sources/peer-source.js';
import { PEER_SOURCE_KINDS } from '../peer-sources/peer-source.js';
import type { PeerInfo, PeerLink } from '../swarm/peer-link.js';
import { HANDSHAKE_BYTES, decodeHandshake, isHandshakePrefix } from '../wire/handshake.js';
import type { PeerConnection } from '../wire/peer-connection.js';
import { canonicalIpAddress } from '../wire/ip-address.js';
import { WireError } from '../wire/wire-error.js';
import { CandidateBook, type Candidate } from './candidate-book.js';
import { listenForPeers, openPeerConnection } from './connection-settings.js';
import { ConnectionTable, DEFAULT_CAPS, type ConnectionCaps } from './connection-table.js';

/** How long an incoming connection may take to send its handshake before routing. */
const ROUTE_TIMEOUT_MS = 5000;
/** Incoming connections waiting for their handshake at once. */
const MAX_PENDING = 256;
/** How often due candidates are dialled again. */
const TICK_MS = 1000;

/** What the host needs of a swarm it holds. */
export interface HostedSwarm {
  readonly swarmId: Buffer;
  /** The key peers prove they hold in the handshake. */
  readonly authKey: Buffer;
  /** Pieces of the file and bytes per block: frames must fit them. */
  readonly pieceCount: number;
  readonly blockBytes: number;
  /** Buffers for frames split across reads. */
  readonly allocateFrame?: (bytes: number) => Buffer;
  /** Bytes still missing; 0 once complete (it then dials only peers known to want the file). */
  readonly leftBytes: number;
  /** A connection whose handshake passed: the swarm's now. Called synchronously from the handshake. */
  addPeer(link: PeerLink, info: PeerInfo): void;
  /** The host's state for this swarm changed: a connection settled, a source answered. */
  hostChanged(): void;
}

/** Where the host listens. */
export interface HostOptions {
  /** Local address for TCP (listen and dial); null for all interfaces. */
  readonly bindAddress: string | null;
  /** TCP port for peers; 0 for any free port. */
  readonly port: number;
  /**
   * When `port` is in use: `fail` (start rejects with a UsageError), or `any` (listen on any free
   * port instead and call `onPortFallback`), for a port that came from a file shared with a
   * daemon that holds it. @default 'fail'
   */
  readonly portInUse?: 'fail' | 'any';
  /** The peer sources, started with the host. */
  readonly sources: readonly PeerSource[];
  /** @default DEFAULT_CAPS */
  readonly caps?: ConnectionCaps;
}

/** Per source: which swarms it has answered for (`all`: every one). */
interface SourceState {
  readonly source: PeerSource;
  all: boolean;
  readonly answered: Set<string>;
  readonly warned: Set<string>;
}

/** The host. Construct, `start()`, attach swarms, `stop()`. */
export class Host {
  readonly peerId = randomBytes(20);
  readonly #opts: HostOptions;
  readonly #table: ConnectionTable;
  readonly #book = new CandidateBook();
  readonly #swarms = new Map<string, HostedSwarm>();
  readonly #links = new Map<number, PeerConnection>();
  readonly #pending = new Set<Socket>();
  readonly #sources: SourceState[];
  #server: Server | null = null;
  #timer: NodeJS.Timeout | null = null;
  #tcpPort = 0;
  #stopped = false;
  /** Called when the configured port was in use and `portInUse: 'any'` took `actualPort` instead. */
  onPortFallback: (configuredPort: number, actualPort: number) => void = () => undefined;
  /** Called with each source warning (once per distinct message). */
  onWarning: (kind: PeerSourceKind, message: string) => void = () => undefined;

  constructor(opts: HostOptions) {
    this.#opts = opts;
    this.#table = new ConnectionTable(this.peerId.toString('hex'), opts.caps ?? DEFAULT_CAPS);
    this.#sources = opts.sources.map((source) => ({ source, all: false, answered: new Set<string>(), warned: new Set<string>() }));
  }

  /** The TCP port peers connect to (after `start()`). */
  get tcpPort(): number {
    return this.#tcpPort;
  }

  /** Whether the TCP listener for peers is up (false before `start()`, after `stop()`, or once it failed). */
  get peerPortOpen(): boolean {
    return this.#server?.listening ?? false;
  }

  /** Connections dialling or in their handshake now, over the host. */
  get connectionsUnderWay(): number {
    return this.#table.underWay();
  }

  /** The swarms attached now. */
  get swarms(): readonly HostedSwarm[] {
    return [...this.#swarms.values()];
  }

  /** Listens on the configured port; when it is in use and `portInUse` is `any`, on any free port. */
  async #listen(): Promise<{ server: Server; port: number }> {
    const onSocket = (socket: Socket): void => this.#route(socket);
    try {
      return await listenForPeers(this.#opts, onSocket);
    } catch (err) {
      if (this.#opts.portInUse !== 'any' || this.#opts.port === 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      const listening = await listenForPeers({ ...this.#opts, port: 0 }, onSocket);
      this.onPortFallback(this.#opts.port, listening.port);
      return listening;
    }
  }

  /** Listens on the TCP port, then starts every source. Rejects when the port cannot be had. */
  async start(): Promise<void> {
    const { server, port } = await this.#listen().catch((err: unknown) => {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
        const where = `${this.#opts.bindAddress ?? 'all interfaces'} port ${this.#opts.port}`;
        throw new UsageError(`cannot listen for peers on ${where} (${code}): ${code === 'EADDRINUSE' ? 'another process uses it; give another --port, or 0 for any free port' : 'check --bind-address and --port'}`, { cause: err });
      }
      throw err;
    });
    this.#server = server;
    this.#tcpPort = port;
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    this.#timer.unref();
    try {
      for (const state of this.#sources) await state.source.start({ peerId: this.peerId, tcpPort: port }, this.#wants(), this.#sinkFor(state));
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Stops the sources (a tracker hears `stopped`), the listener and every connection. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await Promise.all(this.#sources.map((state) => state.source.stop().catch(() => undefined)));
    for (const socket of this.#pending) socket.destroy();
    for (const link of this.#links.values()) link.destroy('shutting down');
    this.#server?.close();
  }

  /** Holds `swarm`: routes its connections to it, tells the sources, and dials its known candidates. */
  attach(swarm: HostedSwarm): void {
    this.#swarms.set(swarm.swarmId.toString('hex'), swarm);
    this.#updateSources();
    this.#dialDue();
  }

  /** Stops routing to `swarm` and closes its connections. */
  detach(swarm: HostedSwarm): void {
    const key = swarm.swarmId.toString('hex');
    if (this.#swarms.get(key) !== swarm) return;
    this.#swarms.delete(key);
    for (const entry of this.#table.entries()) if (entry.swarm === key) this.#links.get(entry.id)?.destroy('file dropped');
    this.#updateSources();
  }

  /** A swarm's completeness changed: trackers hear `completed`. */
  swarmChanged(): void {
    this.#updateSources();
  }

  /**
   * Whether a connection of `swarmId` is under way (dialled or in its handshake), an address is in
   * its first retries (a peer started with us may not listen yet), or a source has not answered
   * for it yet: the first wait before the origin holds for them (bounded by the swarm's wait).
   */
  joining(swarmId: Buffer): boolean {
    const key = swarmId.toString('hex');
    // A connection not routed yet (its handshake still coming) may be for this swarm.
    if (this.#pending.size > 0 || this.#table.underWay(key) > 0 || this.#table.earlyRetries() > 0) return true;
    return this.#sources.some((state) => !state.all && !state.answered.has(key));
  }

  /** Bans `peerId` on this host: its connections close, it is never taken again. */
  ban(peerId: string): void {
    this.#table.ban(peerId);
    for (const entry of this.#table.entries()) if (entry.peerId === peerId) this.#links.get(entry.id)?.destroy('banned');
  }

  /** An inbound peer told us its listen port (its `listen` message). */
  listening(connectionId: number, port: number): void {
    this.#table.listening(connectionId, port);
  }

  /** Addresses a peer of `swarmId` told us of (peer exchange): candidates like any other source's. */
  exchanged(swarmId: Buffer, found: readonly { address: string; port: number }[]): void {
    this.#addCandidates('exchange', found.map((peer) => ({ ...peer, swarmId, peerId: null })));
  }

  /** How many candidates the sources know for `swarmId` (whether or not we hold it). */
  peersKnown(swarmId: Buffer): number {
    return this.#book.countFor(swarmId.toString('hex'));
  }

  /** Active connections of `swarmId` by how they came to be. */
  peersBySource(swarmId: Buffer): Record<ConnectionOrigin, number> {
    const key = swarmId.toString('hex');
    const counts = Object.fromEntries([...PEER_SOURCE_KINDS, 'incoming'].map((kind) => [kind, 0])) as Record<ConnectionOrigin, number>;
    for (const entry of this.#table.entries()) if (entry.swarm === key && entry.state === 'active') counts[entry.origin]++;
    return counts;
  }

  #wants(): SwarmWant[] {
    return [...this.#swarms.values()].map((swarm) => ({ swarmId: swarm.swarmId, leftBytes: swarm.leftBytes }));
  }

  #updateSources(): void {
    const wants = this.#wants();
    for (const state of this.#sources) state.source.update(wants);
  }

  #sinkFor(state: SourceState): Parameters<PeerSource['start']>[2] {
    const kind = state.source.kind;
    return {
      candidates: (found) => this.#addCandidates(kind, found),
      answered: (swarmId) => {
        if (swarmId === null) state.all = true;
        else state.answered.add(swarmId.toString('hex'));
        this.#tellSwarms(swarmId);
      },
      warning: (message) => {
        if (state.warned.has(message)) return;
        if (state.warned.size > 64) state.warned.clear();
        state.warned.add(message);
        this.onWarning(kind, message);
      },
    };
  }

  #tellSwarms(swarmId: Buffer | null): void {
    if (swarmId === null) for (const swarm of this.#swarms.values()) swarm.hostChanged();
    else this.#swarms.get(swarmId.toString('hex'))?.hostChanged();
  }

  #addCandidates(origin: PeerSourceKind, found: readonly PeerCandidate[]): void {
    if (this.#stopped) return;
    debugLog('host', () => `${found.length} candidates from ${origin}`);
    const nowMs = Date.now();
    for (const candidate of found) this.#book.add(origin, candidate, nowMs);
    this.#dialDue();
  }

  #tick(): void {
    const nowMs = Date.now();
    this.#book.prune(nowMs);
    this.#table.prune(nowMs);
    this.#dialDue();
  }

  /** Dials every candidate that is due, for every swarm that wants it, within the caps. */
  #dialDue(): void {
    if (this.#stopped || this.#tcpPort === 0) return;
    const nowMs = Date.now();
    for (const candidate of this.#book.all()) {
      const swarms = candidate.swarm === null
        ? [...this.#swarms.values()].filter((swarm) => swarm.leftBytes > 0)
        : [this.#swarms.get(candidate.swarm)].filter((swarm) => swarm !== undefined);
      for (const swarm of swarms) {
        const refusal = this.#table.mayDial(swarm.swarmId.toString('hex'), candidate.address, candidate.port, candidate.origin, nowMs, candidate.peerId);
        if (refusal === 'under-way-cap') return;
        if (refusal === null) this.#dial(swarm, candidate);
      }
    }
  }

  #dial(swarm: HostedSwarm, candidate: Candidate): void {
    const key = swarm.swarmId.toString('hex');
    const id = this.#table.dialling(key, candidate.address, candidate.port, candidate.origin);
    debugLog('host', () => `dialling ${candidate.address}:${candidate.port} for ${key.slice(0, 8)} (${candidate.origin})`);
    const { bindAddress } = this.#opts;
    const socket = connect({ host: candidate.address, port: candidate.port, ...(bindAddress ? { localAddress: bindAddress } : {}) });
    socket.once('connect', () => this.#table.connected(id));
    this.#run(socket, swarm, id, true, candidate.address);
  }

  /** Runs the handshake of `socket` for `swarm`; on success hands it to the swarm. */
  #run(socket: Socket, swarm: HostedSwarm, id: number, outbound: boolean, address: string): void {
    socket.setNoDelay(true);
    const connection = openPeerConnection(socket, {
      swarmId: swarm.swarmId, peerId: this.peerId, authKey: swarm.authKey, outbound,
      pieceCount: swarm.pieceCount, blockBytes: swarm.blockBytes,
      ...(swarm.allocateFrame ? { allocateFrame: swarm.allocateFrame } : {}),
    });
    this.#links.set(id, connection);
    connection.once('close', (reason) => {
      this.#links.delete(id);
      this.#table.closed(id, Date.now(), reason === 'connected to self');
      swarm.hostChanged();
      // A freed slot may let a waiting candidate through.
      if (!this.#stopped) setImmediate(() => this.#dialDue());
    });
    connection.once('handshake', (theirId: Buffer) => this.#handshake(connection, swarm, id, theirId.toString('hex'), address));
    connection.start();
  }

  #handshake(connection: PeerConnection, swarm: HostedSwarm, id: number, peerId: string, address: string): void {
    const verdict = this.#table.handshake(id, peerId);
    if (verdict.kind === 'refuse' || this.#swarms.get(swarm.swarmId.toString('hex')) !== swarm) {
      connection.destroy(verdict.kind === 'refuse' ? verdict.reason : 'file dropped');
      return;
    }
    if (verdict.kind === 'replace') this.#links.get(verdict.replaced)?.destroy('duplicate connection');
    const entry = this.#table.get(id);
    if (!entry) return;
    swarm.addPeer(connection, { id: peerId, address, outbound: entry.outbound, origin: entry.origin, connectionId: id, listenPort: entry.listenPort });
    swarm.hostChanged();
    // A slot under way is free again: a waiting candidate may go.
    setImmediate(() => this.#dialDue());
  }

  #route(socket: Socket): void {
    if (this.#stopped || this.#pending.size >= MAX_PENDING) {
      socket.destroy();
      return;
    }
    this.#pending.add(socket);
    let head = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), ROUTE_TIMEOUT_MS);
    const done = (): void => {
      clearTimeout(timer);
      if (!this.#pending.delete(socket)) return;
      socket.off('data', onData);
      this.#tellSwarms(null);
    };
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      if (!isHandshakePrefix(head)) {
        done();
        socket.destroy();
      } else if (head.length >= HANDSHAKE_BYTES) {
        socket.pause();
        done();
        socket.unshift(head);
        this.#hand(socket, head.subarray(0, HANDSHAKE_BYTES));
      }
    };
    socket.on('data', onData);
    socket.once('close', done);
    socket.on('error', () => undefined);
  }

  #hand(socket: Socket, head: Buffer): void {
    const handshake = decodeHandshake(head);
    const key = handshake instanceof WireError ? '' : handshake.swarmId.toString('hex');
    const swarm = this.#swarms.get(key);
    // An IPv4 peer on a dual-stack listener shows as ::ffff:a.b.c.d: named as sources name it.
    const address = canonicalIpAddress(socket.remoteAddress ?? '');
    const id = swarm && address !== null ? this.#table.accepted(key, address, socket.remotePort ?? 0) : null;
    if (!swarm || address === null || id === null) {
      socket.destroy();
      return;
    }
    // The peer connection reads the handshake again from the bytes pushed back.
    this.#run(socket, swarm, id, false, address);
    socket.resume();
  }
}
