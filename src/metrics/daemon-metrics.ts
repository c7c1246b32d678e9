/**
 * The metrics of a running `swarm-server`: a {@link SwarmMetrics} watching the daemon's getters,
 * and the {@link MetricsServer} that serves it with the daemon's health. The daemon's events are
 * fed by the caller (`daemonEvent`, `downloadEvent` via `onTransferEvent`).
 *
 * Not responsible for the daemon's life. Concurrency: one per process, one event loop.
 */
import type { FilesResponse } from '../control/api-types.js';
import type { CacheDaemon } from '../daemon/cache-daemon.js';
import type { MetricsAddress } from './metrics-address.js';
import { MetricsServer, measureHealth } from './metrics-server.js';
import { SwarmMetrics, type ByteFigures } from './swarm-metrics.js';

/** Points `metrics` at `daemon`'s figures, read at each scrape. */
export function watchDaemon(metrics: SwarmMetrics, daemon: CacheDaemon): void {
  // One listing per scrape: the getters are read one after the other in one turn of the loop.
  let listing: FilesResponse | null = null;
  const files = (): FilesResponse => {
    if (listing === null) {
      listing = daemon.files();
      queueMicrotask(() => {
        listing = null;
      });
    }
    return listing;
  };
  metrics.watch({
    peersBySource: () => daemon.peersBySource(),
    filesByState: () => {
      const counts: Record<string, number> = {};
      for (const file of files().files) counts[file.state] = (counts[file.state] ?? 0) + 1;
      return counts;
    },
    cache: () => {
      const { usedBytes, maxStorageBytes } = files();
      return { usedBytes, maxBytes: maxStorageBytes };
    },
    fileBytes: () => new Map<string, ByteFigures>(files().files.map((file) => [file.id, file])),
  });
}

/** The HTTP server of `metrics` and `daemon`'s health at `address` (not started). */
export function daemonMetricsServer(address: MetricsAddress, metrics: SwarmMetrics, daemon: CacheDaemon, storageDirectory: string): MetricsServer {
  return new MetricsServer({
    address,
    metrics: async () => ({ text: await metrics.text(), contentType: metrics.contentType }),
    health: () => measureHealth(storageDirectory, daemon.peerPortListening),
  });
}
