/**
 * The HTTP tracker protocol's bytes: tracker URLs as the user gives them, the announce request
 * URL (BEP 3, with BEP 23's `compact=1`), and the bencoded answer with its peers in any of the
 * three forms trackers send: compact IPv4 `peers` (BEP 23), the original list of dictionaries
 * (BEP 3) and compact IPv6 `peers6` (BEP 7).
 *
 * Pure: no I/O. Not responsible for: HTTP, timing or retries (tracker-source.ts), nor trusting
 * any peer (a tracker only suggests; the handshake proves). A remote answer never makes these
 * functions throw: it is a {@link TrackerAnswer}. Misuse of the API throws a TypeError.
 */
import bencode from 'bencode';
import { bencodeFramingProblem } from './bencode-framing.js';
import {
  COMPACT_V4_BYTES, COMPACT_V6_BYTES, canonicalIp, compactV4At, compactV6At, isDialable, type PeerAddress,
} from './compact-peers.js';

export type { PeerAddress } from './compact-peers.js';

/** What a tracker said to an announce. */
export type TrackerAnswer =
  | {
    readonly kind: 'peers';
    /** Seconds until the next regular announce (BEP 3 `interval`), clamped to 10..86400. */
    readonly intervalSeconds: number;
    /** Seconds the tracker wants at least between announces (`min interval`), clamped, or null. */
    readonly minIntervalSeconds: number | null;
    /** Dialable peers, deduplicated, at most `maxPeers`: IPv4 (and list) peers first, then `peers6`. */
    readonly peers: PeerAddress[];
    /** The tracker's `warning message`, printable, or null. */
    readonly warning: string | null;
    /** Seeders (`complete`) and leechers (`incomplete`) the tracker counts, when it says. */
    readonly complete: number | null;
    readonly incomplete: number | null;
  }
  /** The tracker refused: its `failure reason`, printable and capped. */
  | { readonly kind: 'failure'; readonly reason: string }
  /** Not a tracker answer: not bencode, not a dictionary, or fields of the wrong type. */
  | { readonly kind: 'invalid'; readonly message: string };

/** A tracker's answer with peers (it listed us). */
export type PeersAnswer = Extract<TrackerAnswer, { kind: 'peers' }>;

/** The interval used when a tracker gives none (or a nonsensical one). */
export const DEFAULT_INTERVAL_SECONDS = 1800;
/** Intervals are clamped to this range, whatever the tracker says. */
export const MIN_INTERVAL_SECONDS = 10;
export const MAX_INTERVAL_SECONDS = 86_400;
/** Longest tracker text (failure reason, warning) kept, in characters. */
export const MAX_TRACKER_TEXT_CHARS = 200;
/** Deepest nesting of lists and dictionaries read in an answer (a real one nests 3 deep). */
const MAX_ANSWER_DEPTH = 16;
/** An `ip` longer than the longest IPv6 literal is not one. */
const MAX_IP_TEXT_BYTES = 45;

const UDP_MESSAGE = "UDP trackers (BEP 15) are not supported; give the tracker's http://…/announce URL";

/**
 * The URL of a tracker as the user gave it (`--tracker`), or a one-line error to show them:
 * http: and https: only (`udp://` is BEP 15, not spoken here), a host, no user name or password.
 * A `#fragment` is dropped.
 *
 * @throws TypeError when `text` is not a string.
 */
export function parseTrackerUrl(text: string): URL | string {
  if (typeof text !== 'string') throw new TypeError(`tracker URL must be a string, got ${typeof text}`);
  const trimmed = text.trim();
  if (trimmed === '') return "tracker URL is empty; give the tracker's http://…/announce URL";
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    const shown = trimmed.length > 40 ? `${trimmed.slice(0, 40)}…` : trimmed;
    return `tracker URL "${shown}" is not a URL; give the tracker's http://…/announce URL`;
  }
  if (url.protocol === 'udp:') return UDP_MESSAGE;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `tracker URL must start with http:// or https://, not ${url.protocol}//; give the tracker's http://…/announce URL`;
  }
  if (url.hostname === '') return "tracker URL has no host; give the tracker's http://…/announce URL";
  if (url.username !== '' || url.password !== '') {
    return 'tracker URLs with a user name or password are not supported; give the announce URL as the tracker shows it';
  }
  url.hash = '';
  return url;
}

/** A path segment that reads as a word (`announce`, `announce.php`), not as a passkey. */
const PLAIN_SEGMENT_RE = /^[A-Za-z][A-Za-z._-]{0,31}$/;

/**
 * A tracker URL for messages: scheme, host and port, the path with every segment that could be a
 * passkey (anything but a plain word such as `announce`) shown as `…`, and `?…` for a query.
 * Private trackers put their passkeys in the path or the query; neither appears in a message.
 */
export function describeTrackerUrl(url: URL): string {
  const segments = url.pathname.split('/').map((segment) => (segment === '' || PLAIN_SEGMENT_RE.test(segment) ? segment : '…'));
  const path = segments.join('/').replace(/\u2026(\/\u2026)+/g, '…');
  return `${url.protocol}//${url.host}${path}${url.search === '' ? '' : '?…'}`;
}

/** What an announce says (BEP 3). */
export interface AnnounceParams {
  /** 20 bytes: see tracker-info-hash.ts. */
  readonly infoHash: Buffer;
  /** Our peer id, 20 bytes. */
  readonly peerId: Buffer;
  /** Our TCP listen port, 1..65535. */
  readonly port: number;
  /** Byte counts, non-negative safe integers. */
  readonly uploaded: number;
  readonly downloaded: number;
  readonly left: number;
  /** null for a regular announce. */
  readonly event: 'started' | 'completed' | 'stopped' | null;
  /** Peers wanted, a non-negative safe integer. */
  readonly numwant: number;
}

const UNRESERVED = /^[A-Za-z0-9.\-_~]$/;

/** BEP 3's encoding of binary values in the query: every byte but `[A-Za-z0-9.-_~]` as `%XX`. */
export function percentEncodeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out += UNRESERVED.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function checkBytes(name: string, value: unknown, length: number): void {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    const got = value instanceof Uint8Array ? `${value.length} bytes` : typeof value;
    throw new TypeError(`${name} must be ${length} bytes, got ${got}`);
  }
}

function checkCount(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new TypeError(`${name} must be an integer in ${min}..${max}, got ${String(value)}`);
  }
}

function checkAnnounceParams(base: unknown, params: AnnounceParams): void {
  if (!(base instanceof URL) || (base.protocol !== 'http:' && base.protocol !== 'https:')) {
    throw new TypeError(`base must be an http: or https: URL, got ${base instanceof URL ? base.protocol : typeof base}`);
  }
  checkBytes('infoHash', params.infoHash, 20);
  checkBytes('peerId', params.peerId, 20);
  checkCount('port', params.port, 1, 65535);
  for (const name of ['uploaded', 'downloaded', 'left', 'numwant'] as const) checkCount(name, params[name], 0, Number.MAX_SAFE_INTEGER);
  if (params.event !== null && params.event !== 'started' && params.event !== 'completed' && params.event !== 'stopped') {
    throw new TypeError(`event must be started, completed, stopped or null, got ${String(params.event)}`);
  }
}

/**
 * The announce request URL (BEP 3) for `base`, the tracker's announce URL: its own query (a
 * passkey) kept and ours appended with `&`, `compact=1` (BEP 23) and `no_peer_id=1`.
 *
 * @throws TypeError when `base` is not an http(s) URL or a parameter is out of range.
 */
export function announceUrl(base: URL, params: AnnounceParams): string {
  checkAnnounceParams(base, params);
  const url = new URL(base.href);
  url.hash = '';
  const head = url.href;
  const separator = !head.includes('?') ? '?' : head.endsWith('?') || head.endsWith('&') ? '' : '&';
  const query = [
    `info_hash=${percentEncodeBytes(params.infoHash)}`,
    `peer_id=${percentEncodeBytes(params.peerId)}`,
    `port=${params.port}`,
    `uploaded=${params.uploaded}`,
    `downloaded=${params.downloaded}`,
    `left=${params.left}`,
    'compact=1',
    'no_peer_id=1',
    `numwant=${params.numwant}`,
    ...(params.event === null ? [] : [`event=${params.event}`]),
  ];
  return `${head}${separator}${query.join('&')}`;
}

/**
 * Tracker text as one printable line: UTF-8 (bad bytes become U+FFFD), control, format and
 * separator characters as spaces, runs of spaces as one, at most `maxChars` characters (the last
 * one `…` when cut).
 */
export function printableText(bytes: Uint8Array, maxChars: number): string {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, maxChars * 4 + 4));
  const clean = head.toString('utf8').replace(/[\p{C}\p{Z}\s]+/gu, ' ').trim();
  const chars = Array.from(clean);
  return chars.length > maxChars ? `${chars.slice(0, maxChars - 1).join('')}…` : clean;
}

type Dict = Readonly<Record<string, unknown>>;

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** An own field only: a `__proto__` key in the answer sets the object's prototype, never a field. */
function field(dict: Dict, key: string): unknown {
  return Object.hasOwn(dict, key) ? dict[key] : undefined;
}

function positiveInteger(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

function clampInterval(seconds: number): number {
  return Math.min(MAX_INTERVAL_SECONDS, Math.max(MIN_INTERVAL_SECONDS, seconds));
}

function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

function optionalText(value: unknown): string | null {
  if (!(value instanceof Uint8Array)) return null;
  const text = printableText(value, MAX_TRACKER_TEXT_CHARS);
  return text === '' ? null : text;
}

/** Dialable peers, each once, at most `maxPeers`. */
class PeerCollector {
  readonly peers: PeerAddress[] = [];
  readonly #seen = new Set<string>();
  readonly #maxPeers: number;

  constructor(maxPeers: number) {
    this.#maxPeers = maxPeers;
  }

  get full(): boolean {
    return this.peers.length >= this.#maxPeers;
  }

  add(peer: PeerAddress): void {
    const key = `${peer.address}|${peer.port}`;
    if (this.full || !isDialable(peer) || this.#seen.has(key)) return;
    this.#seen.add(key);
    this.peers.push(peer);
  }

  addCompact(bytes: Uint8Array, entryBytes: number, at: (bytes: Uint8Array, offset: number) => PeerAddress): void {
    for (let offset = 0; offset + entryBytes <= bytes.length && !this.full; offset += entryBytes) this.add(at(bytes, offset));
  }

  /** BEP 3's list of `{ip, port}` dictionaries; `peer id` is ignored, names and bad entries dropped. */
  addList(entries: readonly unknown[]): void {
    for (const entry of entries) {
      if (this.full) return;
      if (!isDict(entry)) continue;
      const ip = field(entry, 'ip');
      const port = field(entry, 'port');
      if (!(ip instanceof Uint8Array) || ip.length > MAX_IP_TEXT_BYTES || typeof port !== 'number') continue;
      const address = canonicalIp(Buffer.from(ip).toString('latin1'));
      if (address !== null) this.add({ address, port });
    }
  }
}

/** The peers of a successful answer, or what is wrong with them. */
function answerPeers(dict: Dict, maxPeers: number): PeerAddress[] | string {
  const peers = field(dict, 'peers');
  const peers6 = field(dict, 'peers6');
  if (peers === undefined && peers6 === undefined) return 'neither peers nor peers6 in the answer';
  const collector = new PeerCollector(maxPeers);
  if (peers instanceof Uint8Array) collector.addCompact(peers, COMPACT_V4_BYTES, compactV4At);
  else if (Array.isArray(peers)) collector.addList(peers);
  else if (peers !== undefined) return 'peers is neither a byte string nor a list';
  if (peers6 instanceof Uint8Array) collector.addCompact(peers6, COMPACT_V6_BYTES, compactV6At);
  else if (peers6 !== undefined) return 'peers6 is not a byte string';
  return collector.peers;
}

/** The dictionary a body decodes to, or what is wrong with it. */
function decodeDict(body: unknown): Dict | string {
  if (!(body instanceof Uint8Array)) return 'the body is not bytes';
  const problem = bencodeFramingProblem(body, MAX_ANSWER_DEPTH);
  if (problem !== null) return `not bencode (${problem})`;
  let value: unknown;
  try {
    value = bencode.decode(body);
  } catch (error) {
    return `not bencode (${error instanceof Error ? error.message : 'undecodable'})`;
  }
  return isDict(value) ? value : 'not a bencoded dictionary';
}

/**
 * Reads a tracker's answer to an announce (BEP 3; peers per BEP 23, BEP 3 and BEP 7): a
 * `failure reason` wins over everything else; otherwise the peers that are worth dialling (no port
 * 0, no unspecified, multicast or broadcast address, no host names in `ip`), deduplicated and at
 * most `maxPeers`, and a trailing partial compact entry dropped. A missing or non-positive
 * `interval` is {@link DEFAULT_INTERVAL_SECONDS}; every interval is clamped to 10..86400 s.
 *
 * Never throws for anything in `body` (not even non-bytes): what is not an answer is `invalid`.
 * Bounded: `body` is already capped by the caller; nesting is capped before decoding.
 *
 * @throws TypeError when `maxPeers` is not a non-negative safe integer.
 */
export function parseAnnounceResponse(body: Uint8Array, maxPeers: number): TrackerAnswer {
  if (!Number.isSafeInteger(maxPeers) || maxPeers < 0) throw new TypeError(`maxPeers must be a non-negative integer, got ${String(maxPeers)}`);
  const dict = decodeDict(body);
  if (typeof dict === 'string') return { kind: 'invalid', message: dict };
  const reason = field(dict, 'failure reason');
  if (reason !== undefined) {
    if (!(reason instanceof Uint8Array)) return { kind: 'invalid', message: 'failure reason is not a byte string' };
    return { kind: 'failure', reason: optionalText(reason) ?? '(no reason given)' };
  }
  const peers = answerPeers(dict, maxPeers);
  if (typeof peers === 'string') return { kind: 'invalid', message: peers };
  const interval = positiveInteger(field(dict, 'interval'));
  const minInterval = positiveInteger(field(dict, 'min interval'));
  return {
    kind: 'peers',
    intervalSeconds: clampInterval(interval ?? DEFAULT_INTERVAL_SECONDS),
    minIntervalSeconds: minInterval === null ? null : clampInterval(minInterval),
    peers,
    warning: optionalText(field(dict, 'warning message')),
    complete: count(field(dict, 'complete')),
    incomplete: count(field(dict, 'incomplete')),
  };
}
