/**
 * MD5 of a file whose pieces arrive out of order, computed as the contiguous completed prefix
 * grows, so that verifying a finished download reads little or nothing again.
 *
 * The work runs in a worker thread (prefix-hash-worker, started when there is work) that reads
 * the data file; this class only tells it how far the prefix reaches. Not responsible for knowing
 * which pieces are complete: the caller passes the prefix length in bytes. Calls may come at any rate; updates
 * are coalesced so at most one is in flight.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { asStorageError } from './piece-store.js';

interface WorkerReply {
  hashed?: number;
  digest?: Uint8Array;
  error?: string;
  code?: string;
}

/** The worker's code, inlined by the bundler (scripts/build-bundle.js); undefined in dist/. */
declare const SWARM_BUNDLED_HASH_WORKER: string | undefined;

function workerPath(): string {
  const built = fileURLToPath(new URL('./prefix-hash-worker.js', import.meta.url));
  if (existsSync(built)) return built;
  // Running from TypeScript sources (tests): use the build of the same file.
  return fileURLToPath(new URL('../../dist/storage/prefix-hash-worker.js', import.meta.url));
}

/** Hashes a data file's prefix in a worker thread. */
export class PrefixHasher {
  #worker: Worker | null = null;
  readonly #dataPath: string;
  #requested = 0;
  #sent = 0;
  #inFlight = false;
  #hashedBytes = 0;
  #failure: Error | null = null;
  #onDigest: ((digest: Buffer) => void) | null = null;
  #onError: ((err: Error) => void) | null = null;

  /**
   * Starts nothing yet: the worker thread (a Node environment of its own, tens of milliseconds of
   * CPU to boot) starts at the first {@link advance} or {@link digest}, so that a download's
   * start, when its first origin and peer requests go out, does not pay for it.
   */
  constructor(dataPath: string) {
    this.#dataPath = dataPath;
  }

  /** The worker, started at the first call. */
  #started(): Worker {
    if (this.#worker !== null) return this.#worker;
    const bundled = typeof SWARM_BUNDLED_HASH_WORKER === 'string' ? SWARM_BUNDLED_HASH_WORKER : null;
    const worker = new Worker(bundled ?? workerPath(), { eval: bundled !== null, workerData: { dataPath: this.#dataPath } });
    worker.on('message', (reply: WorkerReply) => this.#handle(reply));
    worker.on('error', (err) => this.#fail(asStorageError(err, this.#dataPath)));
    worker.on('exit', () => this.#fail(new Error('the hashing worker stopped')));
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  /** Bytes hashed so far. */
  get hashedBytes(): number {
    return this.#hashedBytes;
  }

  /** The completed prefix now reaches `prefixBytes`; hashing catches up in the background. */
  advance(prefixBytes: number): void {
    if (prefixBytes <= this.#requested) return;
    this.#requested = prefixBytes;
    this.#pump();
  }

  /** Hashes up to `fileBytes` and resolves with the MD5. Call once. */
  digest(fileBytes: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.#failure) return reject(this.#failure);
      this.#onDigest = resolve;
      this.#onError = reject;
      this.#started().postMessage({ finish: fileBytes });
    });
  }

  /** Stops the worker (if it started). */
  async close(): Promise<void> {
    await this.#worker?.terminate();
  }

  #pump(): void {
    if (this.#inFlight || this.#requested <= this.#sent || this.#onDigest) return;
    this.#sent = this.#requested;
    this.#inFlight = true;
    this.#started().postMessage({ upTo: this.#sent });
  }

  #handle(reply: WorkerReply): void {
    if (reply.error !== undefined) {
      this.#fail(asStorageError(Object.assign(new Error(reply.error), { code: reply.code }), this.#dataPath));
    } else if (reply.digest) {
      this.#onDigest?.(Buffer.from(reply.digest));
    } else if (reply.hashed !== undefined) {
      this.#hashedBytes = reply.hashed;
      this.#inFlight = false;
      this.#pump();
    }
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    this.#onError?.(this.#failure);
    this.#onError = null;
  }
}
