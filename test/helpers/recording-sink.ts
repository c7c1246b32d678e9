/**
 * A {@link PeerSourceSink} for peer-source tests: records every call, and lets a test wait for
 * the moment a condition on the record holds (an event, not a sleep).
 *
 * Not responsible for: asserting (the tests do).
 */
import { EventEmitter } from 'node:events';
import type { LocalPeer, PeerCandidate, PeerSourceSink } from '../../src/peer-sources/peer-source.js';

/** Who a source thinks it is; fixed and DNS sources ignore it. */
export const LOCAL_PEER: LocalPeer = { peerId: Buffer.alloc(20, 7), tcpPort: 41771 };

/** Records candidates, answers and warnings. */
export class RecordingSink implements PeerSourceSink {
  /** Each `candidates()` call's list. */
  readonly batches: PeerCandidate[][] = [];
  readonly answers: Array<Buffer | null> = [];
  readonly warnings: string[] = [];
  readonly #changes = new EventEmitter();

  candidates(found: readonly PeerCandidate[]): void {
    this.batches.push([...found]);
    this.#changes.emit('change');
  }

  answered(swarmId: Buffer | null): void {
    this.answers.push(swarmId);
    this.#changes.emit('change');
  }

  warning(message: string): void {
    this.warnings.push(message);
    this.#changes.emit('change');
  }

  /** Each batch as sorted `address:port` strings (IPv6 in brackets). */
  batchAddresses(): string[][] {
    return this.batches.map((batch) => batch.map(({ address, port }) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`)).sort());
  }

  /** Forgets what was recorded so far. */
  clear(): void {
    this.batches.length = 0;
    this.answers.length = 0;
    this.warnings.length = 0;
  }

  /** Resolves once `condition()` holds (checked now and after every call); rejects after `timeoutMs`. */
  async until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
    if (condition()) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!condition()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`RecordingSink.until: not met within ${timeoutMs} ms; batches ${JSON.stringify(this.batchAddresses())}, warnings ${JSON.stringify(this.warnings)}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#changes.off('change', check);
      };
      this.#changes.on('change', check);
    });
  }
}
