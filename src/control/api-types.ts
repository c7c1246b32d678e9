/**
 * The JSON of the control API between `swarm` and `swarm-server` (HTTP over a unix socket), and
 * the validation of what a client sends. The README's "Control API" section documents the same.
 *
 * Pure: no I/O. Not responsible for transport (control-server.ts, control-client.ts).
 */
import { UsageError } from '../errors.js';

/** Where a file is in its life in the daemon. */
export type FileState = 'downloading' | 'complete' | 'partial' | 'failed';

/** A failure as the API carries it. */
export interface ApiError {
  readonly code: string;
  readonly exitCode: number;
  readonly message: string;
}

/** One file held or in progress: `GET /files`, `GET /files/<id>`, `POST /downloads`. */
export interface FileStatus {
  /** `<md5hex>-<size>`, also the entry's directory name. */
  readonly id: string;
  readonly md5: string;
  readonly size: number;
  readonly pieceBytes: number;
  readonly pieceCount: number;
  readonly piecesHeld: number;
  readonly bytesHeld: number;
  readonly state: FileState;
  /** The cached file (complete only when `state` is `complete`). */
  readonly path: string;
  /** URLs clients asked for, query strings redacted. */
  readonly urls: readonly string[];
  readonly pinned: boolean;
  /** Clients reading (publishing) the file now. */
  readonly readers: number;
  /** ISO 8601: when a client last asked for it. */
  readonly lastUsed: string;
  /** Peers connected for this file now. */
  readonly peers: number;
  readonly originBytes: number;
  readonly peerBytes: number;
  readonly uploadedBytes: number;
  readonly downloadRateBytesPerSec: number;
  readonly uploadRateBytesPerSec: number;
  readonly etaSeconds: number | null;
  readonly error: ApiError | null;
}

/** A peer connected for one file: in `GET /files/<id>` and `GET /info`. */
export interface FilePeer {
  readonly id: string;
  readonly address: string;
  readonly piecesHeld: number;
  readonly downloadedBytes: number;
  readonly uploadedBytes: number;
  /** How the connection came to be: the source of the address we dialled, or `incoming`. */
  readonly source: PeerSourceName;
}

/** Where a peer came from: a peer source (broadcast, tracker, dns, fixed, exchange), or `incoming` (it dialled us). */
export type PeerSourceName = 'broadcast' | 'tracker' | 'dns' | 'fixed' | 'exchange' | 'incoming';

/** `GET /files/<id>` and `GET /info?url=`: a file and its peers. */
export interface FileInfo extends FileStatus {
  readonly peerList: readonly FilePeer[];
  /**
   * The 20-byte BitTorrent info_hash (hex) trackers see for this file: SHA-1 of `swarm-tracker/1`
   * and the swarm id (a tracker that whitelists, like Debian's opentracker, must list it).
   */
  readonly trackerInfoHash: string;
}

/** `GET /files`. */
export interface FilesResponse {
  readonly usedBytes: number;
  /** `max-storage-size`, or null for unlimited. */
  readonly maxStorageBytes: number | null;
  readonly files: readonly FileStatus[];
}

/** One peer across files: `GET /peers`. */
export interface PeerStatus {
  readonly id: string;
  readonly address: string;
  /** Ids of the files we exchange with it. */
  readonly files: readonly string[];
  /** How its connections came to be, one entry per distinct source, in the order of `files`. */
  readonly sources: readonly PeerSourceName[];
  readonly downloadedBytes: number;
  readonly uploadedBytes: number;
  readonly downloadRateBytesPerSec: number;
  readonly uploadRateBytesPerSec: number;
}

/** `GET /peers`. */
export interface PeersResponse {
  readonly peers: readonly PeerStatus[];
}

/** `GET /status`. */
export interface DaemonStatus {
  readonly pid: number;
  readonly version: string;
  readonly storageDirectory: string;
  readonly tcpPort: number;
  readonly peerId: string;
  readonly usedBytes: number;
  readonly maxStorageBytes: number | null;
  readonly files: number;
}

/** `POST /downloads` body. */
export interface DownloadRequest {
  readonly url: string;
  /** Absolute path to publish the file at once it is verified. */
  readonly output: string | null;
  /** Expected MD5 (hex or base64), for origins that publish none. */
  readonly md5: string | null;
  readonly pin: boolean;
  /** Answer only once the file is verified (and published); false: answer at once. */
  readonly wait: boolean;
}

/** `POST /downloads` answer: the file, and where it was published (null when not yet or not asked). */
export interface DownloadResponse {
  readonly file: FileStatus;
  readonly published: string | null;
}

/**
 * Validates a `POST /downloads` body. Throws {@link UsageError} naming the bad field: `url` must
 * be an http(s) URL; `output` an absolute path or absent; `md5` a string or absent; `pin` and
 * `wait` booleans or absent (default false).
 */
export function parseDownloadRequest(body: unknown): DownloadRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new UsageError('the request body must be a JSON object such as {"url": "https://..."}');
  const { url, output, md5, pin, wait, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new UsageError(`unknown field ${JSON.stringify(unknown[0])}; known fields are url, output, md5, pin, wait`);
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url) || !URL.canParse(url)) {
    throw new UsageError(`url must be an http:// or https:// URL, got ${JSON.stringify(url) ?? String(url)}`);
  }
  if (output !== undefined && output !== null && (typeof output !== 'string' || !output.startsWith('/') || output.includes('\0'))) {
    throw new UsageError(`output must be an absolute path, got ${JSON.stringify(output)}`);
  }
  if (md5 !== undefined && md5 !== null && typeof md5 !== 'string') throw new UsageError(`md5 must be a string, got ${JSON.stringify(md5)}`);
  for (const [name, value] of [['pin', pin], ['wait', wait]] as const) {
    if (value !== undefined && typeof value !== 'boolean') throw new UsageError(`${name} must be true or false, got ${JSON.stringify(value)}`);
  }
  return { url, output: (output as string | null | undefined) ?? null, md5: (md5 as string | null | undefined) ?? null, pin: pin === true, wait: wait === true };
}
