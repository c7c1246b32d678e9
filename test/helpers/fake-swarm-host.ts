/**
 * A {@link SwarmHostLink} without sockets, for unit tests of the swarm: it records every call the
 * swarm makes of its host (attach, detach, ban, listening, exchanged, swarmChanged) and answers
 * `joining` with {@link FakeSwarmHost.joiningNow}, which the test sets.
 *
 * Like the host: one peer id and one TCP port for every swarm. Unlike it: nothing is dialled,
 * routed or closed (the swarm closes its own links; `detach` only records).
 * Not responsible for calling `hostChanged` (the test does, as the host would when a connection
 * settles). Concurrency: event loop only.
 */
import type { PexAddress } from '../../src/wire/codec.js';
import type { Swarm, SwarmHostLink } from '../../src/swarm/swarm.js';

/** One `exchanged` call. */
export interface ExchangedCall {
  readonly swarmId: Buffer;
  readonly found: readonly PexAddress[];
}

/** A host that records what its swarms ask of it. */
export class FakeSwarmHost implements SwarmHostLink {
  readonly peerId: Buffer;
  readonly tcpPort: number;
  /** What `joining` answers. */
  joiningNow = false;
  readonly attached: Swarm[] = [];
  readonly detached: Swarm[] = [];
  /** Peer ids banned, in order (repeats included). */
  readonly bans: string[] = [];
  /** `listening` calls, in order. */
  readonly listens: Array<{ readonly connectionId: number; readonly port: number }> = [];
  /** `exchanged` calls, in order (copies of what was passed). */
  readonly exchanges: ExchangedCall[] = [];
  /** `swarmChanged` calls. */
  swarmChanges = 0;
  /** The swarm ids `joining` was asked about, in order. */
  readonly joiningAsked: Buffer[] = [];

  constructor(peerId: Buffer, tcpPort: number) {
    this.peerId = peerId;
    this.tcpPort = tcpPort;
  }

  listening(connectionId: number, port: number): void {
    this.listens.push({ connectionId, port });
  }

  exchanged(swarmId: Buffer, found: readonly PexAddress[]): void {
    this.exchanges.push({ swarmId, found: found.map((entry) => ({ ...entry })) });
  }

  attach(swarm: Swarm): void {
    this.attached.push(swarm);
  }

  detach(swarm: Swarm): void {
    this.detached.push(swarm);
  }

  swarmChanged(): void {
    this.swarmChanges += 1;
  }

  joining(swarmId: Buffer): boolean {
    this.joiningAsked.push(swarmId);
    return this.joiningNow;
  }

  ban(peerId: string): void {
    this.bans.push(peerId);
  }
}
