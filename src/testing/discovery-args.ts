/**
 * The swarm-download flags with which each client of a namespace LAN run finds its peers, one
 * {@link DiscoveryKind} at a time, and the info_hashes a tracker must accept for a file. Shared by
 * the subnet test (test/e2e/netns-subnets.test.ts) and the swarm benchmark (scripts/bench-swarm.js)
 * so both pass the same flags.
 *
 * Pure: computes arguments from what the run knows. Not responsible for starting the services the
 * flags point at (rendezvous.ts does), nor for whether the swarm-download under test has the flags.
 */
import { swarmIdForPieces } from '../discovery/swarm-id.js';
import { trackerInfoHash } from '../peer-sources/tracker-info-hash.js';
import { autoPieceBytes } from '../pieces/piece-geometry.js';

/** How the clients of a run find each other. */
export type DiscoveryKind = 'broadcast' | 'tracker' | 'peer-exchange' | 'dns';

/** Every kind, as the benchmark and test name them. */
export const DISCOVERY_KINDS: readonly DiscoveryKind[] = ['broadcast', 'tracker', 'peer-exchange', 'dns'];

/** The fixed TCP port clients listen on when peers are named by address (`--peer`, `--peers-dns`). */
export const PEER_PORT = 41771;

/** The DNS name holding one A record per client. */
export const PEERS_DNS_NAME = 'swarm.lan.test';


/** What a client's flags may depend on. */
export interface DiscoveryContext {
  /** This client's index among the clients. */
  readonly index: number;
  /** Every client's address and subnet index, by client index. */
  readonly clients: readonly { readonly address: string; readonly subnet: number }[];
  /** The tracker's announce URL, or null when none runs. */
  readonly tracker: string | null;
  /** The DNS server, `IP` or `IP:PORT`, or null when none runs. */
  readonly dnsServer: string | null;
}

/**
 * The flags for client `ctx.index` to find its peers by `kind`: none for broadcast (the default);
 * `--tracker URL`; `--port 41771 --peer HOST:41771` naming {@link peerAcross}; or
 * `--port 41771 --peers-dns swarm.lan.test:41771 --dns-server IP`. Throws a TypeError when the
 * service `kind` needs is not in `ctx`.
 */
export function discoveryArgs(kind: DiscoveryKind, ctx: DiscoveryContext): string[] {
  switch (kind) {
    case 'broadcast':
      return [];
    case 'tracker':
      if (ctx.tracker === null) throw new TypeError('discovery "tracker" needs a tracker, got null');
      return ['--tracker', ctx.tracker];
    case 'peer-exchange':
      return ['--port', String(PEER_PORT), '--peer', `${peerAcross(ctx)}:${PEER_PORT}`];
    case 'dns':
      if (ctx.dnsServer === null) throw new TypeError('discovery "dns" needs a DNS server, got null');
      return ['--port', String(PEER_PORT), '--peers-dns', `${PEERS_DNS_NAME}:${PEER_PORT}`, '--dns-server', ctx.dnsServer];
    default:
      throw new TypeError(`discovery must be one of ${DISCOVERY_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  }
}

/**
 * The one address client `ctx.index` is told of for peer exchange: the first client on the next
 * subnet (so each side knows one host on the other), or with one subnet the next client.
 * Throws a TypeError with fewer than two clients.
 */
export function peerAcross(ctx: DiscoveryContext): string {
  const self = ctx.clients[ctx.index];
  if (self === undefined || ctx.clients.length < 2) throw new TypeError(`peer exchange needs two clients and a valid index, got index ${ctx.index} of ${ctx.clients.length}`);
  const subnets = Math.max(...ctx.clients.map((c) => c.subnet)) + 1;
  const across = ctx.clients.find((c) => c.subnet === (self.subnet + 1) % subnets && c !== self);
  return (across ?? ctx.clients[(ctx.index + 1) % ctx.clients.length]!).address;
}

/**
 * The info_hash (40 hex digits) a whitelisting tracker (Debian's opentracker) must accept for a
 * file with this MD5 and size, cut in pieces of the default size: `trackerInfoHash` of its swarm id.
 */
export function trackerInfoHashCandidates(md5: Uint8Array, fileBytes: number): string[] {
  return [trackerInfoHash(swarmIdForPieces(md5, fileBytes, autoPieceBytes(fileBytes))).toString('hex')];
}
