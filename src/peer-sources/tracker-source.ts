/**
 * Peers from BitTorrent HTTP trackers (`--tracker`): a {@link PeerSource} that announces each
 * swarm to each tracker under its tracker info hash (tracker-info-hash.ts) and hands the peers of
 * every answer to the sink.
 *
 * Per tracker and swarm (BEP 3): `started` when the swarm is first wanted, then again after the
 * answer's `interval` (every 30 s at most while the swarm is incomplete, never sooner than the
 * tracker's `min interval`), `completed` at once when the swarm's `leftBytes` goes to 0, and
 * `stopped` when the swarm is no longer wanted or on stop(), to trackers that had listed us. A
 * failing tracker is retried with backoff (15 s doubling to 5 min); each kind of failure is one
 * warning, not repeated until that tracker has answered well again.
 *
 * A thin shell: the bytes are tracker-codec.ts', the timing and the messages tracker-plan.ts', the
 * bounded HTTP capped-get.ts'. Not responsible for: dialling or trusting peers (the host does; a
 * tracker only suggests, and may list ourselves among them). Concurrency: one announce in flight
 * per tracker and swarm; calls come from one event loop; timers are unref'd; nothing it starts
 * rejects unhandled, and a sink that throws does not stop it.
 */
import { Agent } from 'undici';
import type { LocalPeer, PeerSource, PeerSourceSink, SwarmWant } from './peer-source.js';
import { cappedGet, type CappedGetResult } from './capped-get.js';
import { announceUrl, parseAnnounceResponse, type AnnounceParams, type PeersAnswer } from './tracker-codec.js';
import { trackerInfoHash } from './tracker-info-hash.js';
import {
  isGoodOutcome, nextAnnounceDelayMs, outcomeWarning, retryDelayMs, trackerMessageWarning, type AnnounceOutcome,
} from './tracker-plan.js';

/** Timers for {@link TrackerSource}'s announce schedule: Node's, unref'd, unless a test gives its own. */
export interface TrackerScheduler {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of {@link TrackerSource}. */
export interface TrackerSourceOptions {
  /** The trackers' announce URLs (from parseTrackerUrl), at least one. */
  readonly urls: readonly URL[];
  /** Longest wait for a whole answer (connect, headers and body). @default 10_000 */
  readonly timeoutMs?: number;
  /** Largest answer read; a larger one is refused. @default 262_144 (256 KiB) */
  readonly maxBodyBytes?: number;
  /** Most peers taken from one answer. @default 200 */
  readonly maxPeers?: number;
  /** Peers asked of each tracker (`numwant`). @default 50 */
  readonly numwant?: number;
  /** The announce schedule's timers (a test's, to run them at will). @default Node's, unref'd */
  readonly scheduler?: TrackerScheduler;
}

/** A `stopped` announce waits at most this long (stop() resolves within it). */
const STOP_TIMEOUT_MS = 2_000;
/** Most distinct warnings remembered per tracker between good answers. */
const MAX_REMEMBERED_WARNINGS = 32;

const NODE_SCHEDULER: TrackerScheduler = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs).unref(),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface Tracker {
  readonly url: URL;
  /** Warnings given since the tracker last answered well. */
  readonly warned: Set<string>;
  /** The tracker's own `warning message` last shown. */
  lastMessage: string | null;
}

interface Swarm {
  readonly id: Buffer;
  readonly infoHash: Buffer;
  leftBytes: number;
  readonly announces: Announce[];
  /** Trackers whose first announce has not settled yet. */
  firstPending: number;
  answered: boolean;
}

/** One tracker's view of one swarm. */
interface Announce {
  readonly tracker: Tracker;
  readonly swarm: Swarm;
  /** The event still to be heard by the tracker (kept until an announce carrying it is answered well). */
  event: 'started' | 'completed' | null;
  timer: unknown;
  inFlight: AbortController | null;
  /** Announce again as soon as the one in flight ends (an event came meanwhile). */
  dueAgain: boolean;
  /** The tracker has answered well, so it lists us until `stopped`. */
  listed: boolean;
  settledOnce: boolean;
  failures: number;
  minIntervalMs: number;
  removed: boolean;
}

function checkCount(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new TypeError(`${name} must be an integer >= ${min}, got ${String(value)}`);
  return value;
}

function checkUrls(urls: readonly URL[]): void {
  if (!Array.isArray(urls) || urls.length === 0) throw new TypeError(`urls must be a non-empty array of URLs, got ${String(urls)}`);
  for (const url of urls) {
    if (!(url instanceof URL) || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new TypeError(`urls must be http: or https: URLs, got ${url instanceof URL ? url.protocol : typeof url}`);
    }
  }
}

function checkWants(swarms: readonly SwarmWant[]): void {
  if (!Array.isArray(swarms)) throw new TypeError(`swarms must be an array, got ${typeof swarms}`);
  for (const want of swarms) {
    if (!(want?.swarmId instanceof Uint8Array) || want.swarmId.length !== 32) throw new TypeError('each swarmId must be 32 bytes');
    checkCount('leftBytes', want.leftBytes, 0);
  }
}

/** Calls a sink method; a sink that throws is its owner's bug, not a reason to stop announcing. */
function tell(call: () => void): void {
  try {
    call();
  } catch {
    // ignored: see above
  }
}

/** A {@link PeerSource} over BitTorrent HTTP trackers (BEP 3, BEP 23, BEP 7). */
export class TrackerSource implements PeerSource {
  readonly kind = 'tracker' as const;
  readonly #trackers: readonly Tracker[];
  readonly #timeoutMs: number;
  readonly #maxBodyBytes: number;
  readonly #maxPeers: number;
  readonly #numwant: number;
  readonly #scheduler: TrackerScheduler;
  readonly #agent: Agent;
  readonly #swarms = new Map<string, Swarm>();
  readonly #stopping = new Set<Promise<void>>();
  #local: LocalPeer | null = null;
  #sink: PeerSourceSink | null = null;
  #stopped: Promise<void> | null = null;

  /** @throws TypeError on a bad option, quoting it. No side effects: start() begins announcing. */
  constructor(options: TrackerSourceOptions) {
    checkUrls(options.urls);
    this.#trackers = options.urls.map((url) => ({ url: new URL(url.href), warned: new Set<string>(), lastMessage: null }));
    this.#timeoutMs = checkCount('timeoutMs', options.timeoutMs ?? 10_000, 1);
    this.#maxBodyBytes = checkCount('maxBodyBytes', options.maxBodyBytes ?? 256 * 1024, 1);
    this.#maxPeers = checkCount('maxPeers', options.maxPeers ?? 200, 0);
    this.#numwant = checkCount('numwant', options.numwant ?? 50, 0);
    this.#scheduler = options.scheduler ?? NODE_SCHEDULER;
    this.#agent = new Agent({ connections: 4, keepAliveTimeout: 10_000, connect: { timeout: this.#timeoutMs } });
  }

  /** Announces `started` for each swarm to each tracker; resolves at once (answers come later). */
  async start(local: LocalPeer, swarms: readonly SwarmWant[], sink: PeerSourceSink): Promise<void> {
    if (this.#sink !== null) throw new TypeError('TrackerSource already started');
    if (!(local?.peerId instanceof Uint8Array) || local.peerId.length !== 20) throw new TypeError('local.peerId must be 20 bytes');
    if (!Number.isInteger(local.tcpPort) || local.tcpPort < 1 || local.tcpPort > 65535) {
      throw new TypeError(`local.tcpPort must be an integer in 1..65535, got ${String(local.tcpPort)}`);
    }
    checkWants(swarms);
    this.#local = { peerId: Buffer.from(local.peerId), tcpPort: local.tcpPort };
    this.#sink = sink;
    this.update(swarms);
  }

  /** Starts announcing new swarms, stops announcing gone ones, and tells trackers of completed ones. */
  update(swarms: readonly SwarmWant[]): void {
    if (this.#stopped !== null) return;
    checkWants(swarms);
    // Before start: start's own list is the one that counts.
    if (this.#sink === null) return;
    const wanted = new Map(swarms.map((want) => [Buffer.from(want.swarmId).toString('hex'), want]));
    for (const [hex, swarm] of this.#swarms) {
      if (!wanted.has(hex)) this.#removeSwarm(hex, swarm);
    }
    for (const [hex, want] of wanted) {
      const swarm = this.#swarms.get(hex);
      if (swarm === undefined) this.#addSwarm(hex, want);
      else this.#setLeft(swarm, want.leftBytes);
    }
  }

  /** Stops every schedule and tells trackers that listed us `stopped`; resolves within ~2 s. */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    for (const [hex, swarm] of this.#swarms) this.#removeSwarm(hex, swarm);
    let capTimer: ReturnType<typeof setTimeout> | undefined;
    const cap = new Promise<void>((resolve) => {
      capTimer = setTimeout(resolve, STOP_TIMEOUT_MS + 250);
      capTimer.unref();
    });
    await Promise.race([Promise.allSettled([...this.#stopping]), cap]);
    clearTimeout(capTimer);
    await this.#agent.destroy().catch(() => undefined);
  }

  #addSwarm(hex: string, want: SwarmWant): void {
    const id = Buffer.from(want.swarmId);
    const swarm: Swarm = { id, infoHash: trackerInfoHash(id), leftBytes: want.leftBytes, announces: [], firstPending: this.#trackers.length, answered: false };
    for (const tracker of this.#trackers) {
      swarm.announces.push({
        tracker, swarm, event: 'started', timer: null, inFlight: null, dueAgain: false, listed: false, settledOnce: false, failures: 0, minIntervalMs: 0, removed: false,
      });
    }
    this.#swarms.set(hex, swarm);
    for (const announce of swarm.announces) this.#announceNow(announce);
  }

  #setLeft(swarm: Swarm, leftBytes: number): void {
    const completedNow = swarm.leftBytes > 0 && leftBytes === 0;
    swarm.leftBytes = leftBytes;
    if (!completedNow) return;
    for (const announce of swarm.announces) {
      // Not yet listed: the `started` still to be answered carries left=0, or is followed by `completed`.
      if (announce.listed && announce.event === null) {
        announce.event = 'completed';
        this.#announceNow(announce);
      }
    }
  }

  #removeSwarm(hex: string, swarm: Swarm): void {
    this.#swarms.delete(hex);
    for (const announce of swarm.announces) {
      announce.removed = true;
      this.#clearTimer(announce);
      announce.inFlight?.abort();
      if (announce.listed) this.#sendStopped(announce);
    }
  }

  #sendStopped(announce: Announce): void {
    const url = this.#url(announce, 'stopped', 0);
    const done = cappedGet(this.#agent, url, { timeoutMs: Math.min(this.#timeoutMs, STOP_TIMEOUT_MS), maxBodyBytes: this.#maxBodyBytes })
      .then(() => undefined, () => undefined);
    this.#stopping.add(done);
    void done.then(() => this.#stopping.delete(done));
  }

  #url(announce: Announce, event: AnnounceParams['event'], numwant: number): URL {
    const local = this.#local as LocalPeer;
    return new URL(announceUrl(announce.tracker.url, {
      infoHash: announce.swarm.infoHash, peerId: local.peerId, port: local.tcpPort,
      uploaded: 0, downloaded: 0, left: announce.swarm.leftBytes, event, numwant,
    }));
  }

  #clearTimer(announce: Announce): void {
    if (announce.timer !== null) this.#scheduler.clearTimeout(announce.timer);
    announce.timer = null;
  }

  #announceNow(announce: Announce): void {
    if (announce.inFlight !== null) {
      announce.dueAgain = true;
      return;
    }
    this.#clearTimer(announce);
    void this.#announce(announce).catch(() => undefined);
  }

  async #announce(announce: Announce): Promise<void> {
    const controller = new AbortController();
    announce.inFlight = controller;
    const event = announce.event;
    const sentLeft = announce.swarm.leftBytes;
    const url = this.#url(announce, event, this.#numwant);
    const result = await cappedGet(this.#agent, url, { timeoutMs: this.#timeoutMs, maxBodyBytes: this.#maxBodyBytes, signal: controller.signal });
    announce.inFlight = null;
    if (announce.removed || result.kind === 'aborted') return;
    const outcome = this.#outcome(result);
    if (isGoodOutcome(outcome)) {
      this.#heardWell(announce, outcome.answer, event, sentLeft);
    } else {
      announce.failures++;
      const warning = outcomeWarning(announce.tracker.url, outcome, announce.swarm.infoHash.toString('hex'));
      if (warning !== null) this.#warn(announce.tracker, warning);
      this.#schedule(announce, retryDelayMs(announce.failures, announce.minIntervalMs));
    }
    this.#settled(announce, isGoodOutcome(outcome));
  }

  #outcome(result: Exclude<CappedGetResult, { kind: 'aborted' }>): AnnounceOutcome {
    switch (result.kind) {
      case 'body': return { kind: 'answer', answer: parseAnnounceResponse(result.body, this.#maxPeers) };
      case 'status': return { kind: 'status', statusCode: result.statusCode };
      case 'too-large': return { kind: 'too-large', maxBodyBytes: this.#maxBodyBytes };
      case 'timeout': return { kind: 'timeout', timeoutMs: this.#timeoutMs };
      case 'error': return { kind: 'error', code: result.code };
    }
  }

  #heardWell(announce: Announce, answer: PeersAnswer, event: Announce['event'], sentLeft: number): void {
    const { tracker, swarm } = announce;
    tracker.warned.clear();
    if (answer.warning !== null && answer.warning !== tracker.lastMessage) {
      const message = trackerMessageWarning(tracker.url, answer.warning);
      tell(() => this.#sink?.warning(message));
    }
    tracker.lastMessage = answer.warning;
    announce.listed = true;
    announce.failures = 0;
    announce.minIntervalMs = (answer.minIntervalSeconds ?? 0) * 1000;
    if (announce.event === event) announce.event = null;
    if (announce.event === null && sentLeft > 0 && swarm.leftBytes === 0) {
      announce.event = 'completed';
      announce.dueAgain = true;
    }
    if (answer.peers.length > 0) {
      const found = answer.peers.map(({ address, port }) => ({ address, port, swarmId: swarm.id, peerId: null }));
      tell(() => this.#sink?.candidates(found));
    }
    this.#schedule(announce, announce.dueAgain ? 0 : nextAnnounceDelayMs(answer, swarm.leftBytes));
  }

  #schedule(announce: Announce, delayMs: number): void {
    announce.dueAgain = false;
    this.#clearTimer(announce);
    // Removed, or announcing again already (a sink call came back with an update): nothing to plan.
    if (announce.removed || announce.inFlight !== null) return;
    if (delayMs === 0) {
      this.#announceNow(announce);
      return;
    }
    announce.timer = this.#scheduler.setTimeout(() => {
      announce.timer = null;
      if (!announce.removed) this.#announceNow(announce);
    }, delayMs);
  }

  /** After the first announce of a swarm settled at every tracker, or went well at one: answered(). */
  #settled(announce: Announce, good: boolean): void {
    const { swarm } = announce;
    if (!announce.settledOnce) {
      announce.settledOnce = true;
      swarm.firstPending--;
    }
    if (!swarm.answered && (good || swarm.firstPending === 0)) {
      swarm.answered = true;
      tell(() => this.#sink?.answered(swarm.id));
    }
  }

  #warn(tracker: Tracker, message: string): void {
    if (tracker.warned.has(message)) return;
    if (tracker.warned.size >= MAX_REMEMBERED_WARNINGS) tracker.warned.clear();
    tracker.warned.add(message);
    tell(() => this.#sink?.warning(message));
  }
}
