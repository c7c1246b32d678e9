/**
 * LAN discovery by UDP broadcast as a {@link PeerSource}: the {@link Discovery} shell announces
 * the swarm ids of every swarm of the host with our TCP port, and each peer heard announcing one of
 * them is a candidate with its peer id. Unchanged on the wire.
 *
 * Broadcast answers nobody, so it counts as answered at once: the first wait's quiet window (see
 * `DiscoveryWait`) is what gives peers that heard our first announce time to dial us.
 *
 * Not responsible for the packets (discovery.ts, announce-codec.ts) nor for dialling (the host).
 */
import { Discovery } from '../discovery/discovery.js';
import type { LocalPeer, PeerSource, PeerSourceSink, SwarmWant } from './peer-source.js';

/** Where announcements go and how often. */
export interface BroadcastSettings {
  readonly discoveryPort: number;
  readonly broadcastAddresses: readonly string[];
  /** Local address of the UDP socket (null: all interfaces; see `DiscoveryOptions.bindAddress`). */
  readonly bindAddress: string | null;
  readonly announceIntervalMs: number;
  /** The swarm secret's discovery key, or null for plain announces. */
  readonly secretKey: Buffer | null;
}

/** UDP broadcast discovery. */
export class BroadcastSource implements PeerSource {
  readonly kind = 'broadcast' as const;
  readonly #settings: BroadcastSettings;
  #swarmIds: Buffer[] = [];
  #discovery: Discovery | null = null;
  #sink: PeerSourceSink | null = null;

  constructor(settings: BroadcastSettings) {
    this.#settings = settings;
  }

  async start(local: LocalPeer, swarms: readonly SwarmWant[], sink: PeerSourceSink): Promise<void> {
    this.#swarmIds = swarms.map((swarm) => swarm.swarmId);
    const discovery = new Discovery({
      peerId: local.peerId,
      tcpPort: local.tcpPort,
      swarmIds: () => this.#swarmIds,
      discoveryPort: this.#settings.discoveryPort,
      broadcastAddresses: [...this.#settings.broadcastAddresses],
      bindAddress: this.#settings.bindAddress,
      intervalMs: this.#settings.announceIntervalMs,
      random: Math.random,
      secretKey: this.#settings.secretKey,
    });
    discovery.on('peer', (peer) => {
      sink.candidates(peer.swarmIds.map((swarmId) => ({ address: peer.address, port: peer.tcpPort, swarmId, peerId: peer.peerId })));
    });
    // A failed send is retried at the next round; nothing for the user to do.
    discovery.on('warning', () => undefined);
    await discovery.start();
    this.#discovery = discovery;
    this.#sink = sink;
    sink.answered(null);
  }

  update(swarms: readonly SwarmWant[]): void {
    const known = new Set(this.#swarmIds.map((id) => id.toString('hex')));
    this.#swarmIds = swarms.map((swarm) => swarm.swarmId);
    const added = this.#swarmIds.filter((id) => !known.has(id.toString('hex')));
    if (added.length === 0 || !this.#discovery) return;
    this.#discovery.announceNow();
    // Peers heard announcing a swarm before we held it were not reported then.
    for (const swarmId of added) {
      const peers = this.#discovery.peersFor(swarmId);
      this.#sink?.candidates(peers.map((peer) => ({ address: peer.address, port: peer.tcpPort, swarmId, peerId: peer.peerId })));
    }
  }

  async stop(): Promise<void> {
    await this.#discovery?.stop().catch(() => undefined);
  }
}
