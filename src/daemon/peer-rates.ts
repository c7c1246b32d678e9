/**
 * The daemon's view of its peers across files: which files it exchanges with each peer, the bytes
 * each way, and rates over the last few seconds, for `GET /peers`.
 *
 * Not responsible for the peers themselves (each file's swarm). Counters are per connection, so a
 * reconnect starts them over; rates never go below zero. Sampled about once a second.
 */
import type { PeerSourceName, PeerStatus, PeersResponse } from '../control/api-types.js';
import type { CachedFile } from './cached-file.js';
import { RateMeter } from '../rate-limit/rate-meter.js';

interface PeerTotals {
  id: string;
  address: string;
  files: string[];
  sources: PeerSourceName[];
  downloadedBytes: number;
  uploadedBytes: number;
}

interface Meters {
  down: RateMeter;
  up: RateMeter;
  downRate: number;
  upRate: number;
}

/** Rates of every peer, by peer id. */
export class PeerRates {
  readonly #meters = new Map<string, Meters>();

  /** Records the peers' byte totals now. */
  sample(files: readonly CachedFile[], nowMs: number): void {
    const totals = gather(files);
    for (const [id, peer] of totals) {
      let meters = this.#meters.get(id);
      if (!meters) {
        meters = { down: new RateMeter(nowMs, 5000, peer.downloadedBytes), up: new RateMeter(nowMs, 5000, peer.uploadedBytes), downRate: 0, upRate: 0 };
        this.#meters.set(id, meters);
      }
      meters.downRate = Math.max(0, Math.round(meters.down.rate(peer.downloadedBytes, nowMs)));
      meters.upRate = Math.max(0, Math.round(meters.up.rate(peer.uploadedBytes, nowMs)));
    }
    for (const id of [...this.#meters.keys()]) if (!totals.has(id)) this.#meters.delete(id);
  }

  /** Every connected peer with its files, totals and last sampled rates. */
  report(files: readonly CachedFile[]): PeersResponse {
    const peers: PeerStatus[] = [...gather(files).values()].map((peer) => {
      const meters = this.#meters.get(peer.id);
      return { ...peer, downloadRateBytesPerSec: meters?.downRate ?? 0, uploadRateBytesPerSec: meters?.upRate ?? 0 };
    });
    return { peers: peers.sort((a, b) => (a.id < b.id ? -1 : 1)) };
  }
}

function gather(files: readonly CachedFile[]): Map<string, PeerTotals> {
  const totals = new Map<string, PeerTotals>();
  for (const file of files) {
    for (const peer of file.swarm?.peers() ?? []) {
      const entry = totals.get(peer.id) ?? { id: peer.id, address: peer.address, files: [], sources: [], downloadedBytes: 0, uploadedBytes: 0 };
      entry.files.push(file.id);
      if (!entry.sources.includes(peer.source)) entry.sources.push(peer.source);
      entry.downloadedBytes += peer.downloadedBytes;
      entry.uploadedBytes += peer.uploadedBytes;
      totals.set(peer.id, entry);
    }
  }
  return totals;
}
