/**
 * The `fixed` peer source: the peers the user lists with `--peer HOST:PORT`.
 *
 * At start it reports every IP literal at once and resolves every name (each of its addresses a
 * candidate); then it reports them all again every `refreshMs`, resolving names anew. The host
 * keeps its own backoff per address, so reporting again is how a fixed peer that was down is
 * retried, and how a name that moved is followed. Candidates carry no swarm id (the host dials
 * them for every swarm that wants peers) and no peer id.
 *
 * A name that does not resolve (or resolves to nothing dialable) is a warning, once until it
 * resolves again. Not responsible for: parsing `--peer` (see `parsePeerAddress`), dialling,
 * backoff. Concurrency: one event loop; a name whose lookup is still under way when the next
 * refresh comes is not looked up twice; nothing is reported after `stop()`. A sink that throws
 * breaks the host's side of the contract and is not caught here.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { candidatesFromAnswers, droppedSuffix, errorCode, RepeatGuard } from './address-answer.js';
import { formatHostPort, hostKind, type HostPort } from './peer-address.js';
import type { LocalPeer, PeerCandidate, PeerSource, PeerSourceSink, SwarmWant } from './peer-source.js';

/** How often fixed peers are reported again (and names resolved again) unless told otherwise. */
export const DEFAULT_FIXED_REFRESH_MS = 60_000;
/** At most this many addresses of one name are taken per lookup. */
export const MAX_ADDRESSES_PER_NAME = 256;

/** Options of {@link FixedSource}. */
export interface FixedSourceOptions {
  /** The peers: each host a dialable IP literal (IPv6 without brackets) or a DNS name. */
  readonly peers: readonly HostPort[];
  /**
   * Every address of a name.
   * @default node:dns/promises lookup(host, { all: true }) (the system resolver, /etc/hosts included)
   */
  readonly lookup?: (host: string) => Promise<string[]>;
  /** @default DEFAULT_FIXED_REFRESH_MS */
  readonly refreshMs?: number;
}

/** See the module comment. Construct (no side effects), `start()`, `stop()`. */
export class FixedSource implements PeerSource {
  readonly kind = 'fixed' as const;
  readonly #literals: readonly PeerCandidate[];
  readonly #names: readonly HostPort[];
  readonly #lookup: (host: string) => Promise<string[]>;
  readonly #refreshMs: number;
  readonly #warnings = new RepeatGuard();
  readonly #resolving = new Set<HostPort>();
  #sink: PeerSourceSink | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  /** Throws a TypeError quoting the bad value for a peer that is neither a dialable IP nor a name. */
  constructor(options: FixedSourceOptions) {
    if (!Array.isArray(options.peers)) throw new TypeError(`FixedSource: peers must be an array, not ${typeof options.peers}`);
    const literals = new Map<string, PeerCandidate>();
    const names = new Map<string, HostPort>();
    for (const peer of options.peers) {
      const kind = hostKind(peer.host);
      const key = formatHostPort(peer.host, peer.port);
      if (kind === null) throw new TypeError(`FixedSource: peer host ${JSON.stringify(peer.host)} is neither a dialable IP address nor a DNS name`);
      if (kind === 'address') literals.set(key, { address: peer.host, port: peer.port, swarmId: null, peerId: null });
      else names.set(key, { host: peer.host, port: peer.port });
    }
    this.#literals = [...literals.values()];
    this.#names = [...names.values()];
    this.#lookup = options.lookup ?? lookupAll;
    this.#refreshMs = options.refreshMs ?? DEFAULT_FIXED_REFRESH_MS;
    if (typeof this.#lookup !== 'function') throw new TypeError(`FixedSource: lookup must be a function, not ${typeof this.#lookup}`);
    if (!Number.isFinite(this.#refreshMs) || this.#refreshMs < 1) throw new TypeError(`FixedSource: refreshMs must be a number >= 1, not ${String(this.#refreshMs)}`);
  }

  /**
   * Reports the literals at once, resolves the names, and calls `answered(null)` once every peer
   * was tried once. Resolves at once; never rejects. Throws a TypeError when started twice.
   */
  async start(_local: LocalPeer, _swarms: readonly SwarmWant[], sink: PeerSourceSink): Promise<void> {
    if (this.#sink !== null || this.#stopped) throw new TypeError('FixedSource: start() called twice or after stop()');
    this.#sink = sink;
    this.#timer = setInterval(() => void this.#round(), this.#refreshMs).unref();
    void this.#round().then(() => {
      if (!this.#stopped) sink.answered(null);
    });
  }

  /** Fixed peers are dialled for every swarm: nothing to do. */
  update(_swarms: readonly SwarmWant[]): void {}

  /** Stops refreshing; lookups under way are let be and their answers dropped. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Reports the literals, and resolves (then reports) each name not still being resolved. */
  async #round(): Promise<void> {
    if (this.#stopped || this.#sink === null) return;
    if (this.#literals.length > 0) this.#sink.candidates(this.#literals);
    await Promise.all(this.#names.map((peer) => this.#resolve(peer)));
  }

  async #resolve(peer: HostPort): Promise<void> {
    if (this.#resolving.has(peer)) return;
    this.#resolving.add(peer);
    let addresses: unknown;
    let failure: unknown = null;
    try {
      addresses = await this.#lookup(peer.host);
    } catch (error) {
      failure = error;
    } finally {
      this.#resolving.delete(peer);
    }
    if (!this.#stopped && this.#sink !== null) this.#report(peer, addresses, failure, this.#sink);
  }

  #report(peer: HostPort, addresses: unknown, failure: unknown, sink: PeerSourceSink): void {
    const subject = formatHostPort(peer.host, peer.port);
    const answer = candidatesFromAnswers(failure === null ? [addresses] : [], peer.port, MAX_ADDRESSES_PER_NAME);
    if (answer.candidates.length > 0) {
      this.#warnings.clear(subject);
      sink.candidates(answer.candidates);
      return;
    }
    const why = failure !== null ? `does not resolve (${errorCode(failure)})`
      : answer.malformed ? 'gave a malformed answer' : `resolves to no dialable address${droppedSuffix(answer)}`;
    if (this.#warnings.isNew(subject, why)) sink.warning(`--peer ${subject}: ${peer.host} ${why}; check the name`);
  }
}

async function lookupAll(host: string): Promise<string[]> {
  const found = await dnsLookup(host, { all: true });
  return found.map((entry) => entry.address);
}
