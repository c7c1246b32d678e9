/**
 * Builds the host of a program from its network settings: the listener's address and port, and
 * one peer source per way of finding peers that is on (broadcast by default; fixed addresses, DNS
 * names and trackers when given). The one place that composes the host with the sources.
 *
 * Not responsible for starting it (`Host.start`) nor for what the swarms do.
 */
import { secretKeys } from '../discovery/swarm-secret.js';
import type { DiscoveryWait } from '../host/connection-settings.js';
import { Host } from '../host/host.js';
import { BroadcastSource, type BroadcastSettings } from '../peer-sources/broadcast-source.js';
import { DnsSource } from '../peer-sources/dns-source.js';
import { FixedSource } from '../peer-sources/fixed-source.js';
import type { PeerSource } from '../peer-sources/peer-source.js';
import { TrackerSource } from '../peer-sources/tracker-source.js';

/** Where a host listens and how it finds peers; validated already. */
export interface NetworkSettings {
  /** Local address for TCP (listen and dial); null for all interfaces. */
  readonly bindAddress: string | null;
  /** TCP port for peers; 0 for any free port. */
  readonly port: number;
  /** When `port` is in use: fail, or take any free port (see `HostOptions.portInUse`). @default 'fail' */
  readonly portInUse?: 'fail' | 'any';
  /** The swarm secret's bytes, or null: discovery packets and handshakes are then keyed with it. */
  readonly swarmSecret: Buffer | null;
  /** The other sources: fixed addresses, DNS names and the servers to ask, trackers. */
  readonly sources: {
    readonly peers: readonly { readonly host: string; readonly port: number }[];
    readonly peersDns: readonly { readonly name: string; readonly port: number }[];
    /** `dns.Resolver#setServers` form; empty: the system resolver. */
    readonly dnsServers: readonly string[];
    readonly trackers: readonly URL[];
  };
  /** UDP broadcast discovery, or null when it is off (`--no-broadcast`). */
  readonly broadcast: Omit<BroadcastSettings, 'secretKey'> | null;
  /** How long a download listens for peers before its first origin request. */
  readonly discoveryWait: DiscoveryWait;
}

/** The host of `network`, with its sources (not started). */
export function openHost(network: NetworkSettings): Host {
  const sources: PeerSource[] = [];
  if (network.broadcast) {
    const secretKey = network.swarmSecret ? secretKeys(network.swarmSecret).discoveryKey : null;
    sources.push(new BroadcastSource({ ...network.broadcast, secretKey }));
  }
  const { peers, peersDns, dnsServers, trackers } = network.sources;
  if (peers.length > 0) sources.push(new FixedSource({ peers }));
  for (const { name, port } of peersDns) sources.push(new DnsSource({ name, port, ...(dnsServers.length > 0 ? { servers: dnsServers } : {}) }));
  if (trackers.length > 0) sources.push(new TrackerSource({ urls: trackers }));
  return new Host({ bindAddress: network.bindAddress, port: network.port, portInUse: network.portInUse ?? 'fail', sources });
}
