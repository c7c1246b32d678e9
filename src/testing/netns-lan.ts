/**
 * A LAN made of Linux network namespaces, for tests and benchmarks: a bridge in a namespace of its
 * own, and one namespace per host joined to it by a veth pair, each link shaped by `tc` (tbf) in
 * both directions. Every address lives inside namespaces this module creates (10.77.x.0/24 by
 * default), so no traffic reaches any real network; `destroy()` removes them all.
 *
 * With `subnets: 2` (or more) the LAN is several /24 subnets joined by a router, as an office LAN
 * of two floors would be: one bridge per subnet (all in the one bridge namespace), a router
 * namespace with one veth leg on each bridge (address `.254` of each subnet) and
 * `net.ipv4.ip_forward=1`, and every host with a default route via its subnet's router address.
 * Host `i` lives on subnet `i % subnets` ({@link subnetOfHost}), so host 0 (the origin, in
 * `lan-run.ts`) is on subnet 0 and the clients alternate; every host keeps address `.(i + 1)` of
 * its subnet. A directed broadcast (`10.77.x.255`) stays on its own subnet: the router forwards
 * unicast only, as real routers do.
 *
 * Needs root and iproute2 (`ip`, `tc`). Not responsible for what runs inside: {@link LanHost.spawn}
 * starts a process in a host's namespace. Synchronous (it runs `ip` to completion); not safe to
 * call `destroy()` while another call builds the same LAN.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';

/** Starts `command args` inside a namespace (through `ip netns exec`). */
export type NamespaceSpawn = (command: string, args: readonly string[], options?: SpawnOptions) => ChildProcess;

/** One host of the LAN. */
export interface LanHost {
  readonly namespace: string;
  readonly address: string;
  /** Index of the subnet it lives on, in {@link NamespaceLan.subnets}: `index % subnets`. */
  readonly subnet: number;
  /** The directed broadcast address of its subnet. */
  readonly broadcastAddress: string;
  /** Starts `command args` inside this host's namespace. */
  readonly spawn: NamespaceSpawn;
  /** What its link has sent so far (the shaping qdisc's counters, GSO segments counted apart). */
  sent(): LinkSent;
}

/** Bytes and packets a link sent, headers included. */
export interface LinkSent {
  readonly bytes: number;
  readonly packets: number;
}

/**
 * Bytes of headers in each TCP/IPv4 packet on the links: Ethernet 14, IPv4 20, TCP 20 + 12 of
 * timestamp option (Linux's default). Payload of a link's TCP traffic ~ bytes - packets x this.
 */
export const TCP_PACKET_HEADER_BYTES = 66;

/** One /24 subnet of the LAN. */
export interface LanSubnet {
  readonly index: number;
  /** The first three octets, e.g. `10.77.5`. */
  readonly prefix: string;
  /** The directed broadcast address, e.g. `10.77.5.255`. */
  readonly broadcastAddress: string;
  /** The router's address on this subnet (every host's default route), or null with one subnet. */
  readonly routerAddress: string | null;
}

/** The router joining the subnets (present only with `subnets >= 2`). */
export interface LanRouter {
  readonly namespace: string;
  /** Its address on each subnet, by subnet index (`.254` of each). */
  readonly addresses: readonly string[];
  /** Starts `command args` inside the router's namespace (a tracker, a DNS server). */
  readonly spawn: NamespaceSpawn;
}

/** A LAN of namespaces. */
export interface NamespaceLan {
  readonly hosts: readonly LanHost[];
  /** The broadcast address of subnet 0 (the whole LAN's with one subnet). */
  readonly broadcastAddress: string;
  readonly subnets: readonly LanSubnet[];
  /** The router, or null with one subnet. */
  readonly router: LanRouter | null;
  /**
   * Makes `address` every host's system resolver: writes `/etc/netns/<ns>/resolv.conf`, which
   * `ip netns exec` mounts over `/etc/resolv.conf` for processes {@link LanHost.spawn} starts
   * from then on. `destroy()` removes those files. Throws a TypeError for a non-IPv4 `address`.
   */
  useResolver(address: string): void;
  /** Removes every namespace (and so every interface) and /etc/netns file it created. Idempotent. */
  destroy(): void;
}

/** Options of {@link createNamespaceLan}. */
export interface NamespaceLanOptions {
  readonly hosts: number;
  /** Rate of every host link in each direction, in Mbit/s. */
  readonly rateMbit: number;
  /**
   * The /24 prefix of subnet 0; subnet `k` takes the next third octets (`10.77.5` -> `10.77.6`).
   * @default '10.77.' + a random third octet
   */
  readonly subnet?: string;
  /** How many subnets, 1..8; two or more are joined by a router. @default 1 */
  readonly subnets?: number;
  /** Rate of each router leg in each direction, in Mbit/s, or null for an unshaped router. @default null */
  readonly routerRateMbit?: number | null;
}

/** Host octet of the router on every subnet. */
export const ROUTER_HOST_OCTET = 254;

const MAX_SUBNETS = 8;
const MAX_HOSTS = 253;
const ETC_NETNS = '/etc/netns';

/** Why namespaces cannot be made here, or null when they can (root and iproute2). */
export function namespaceLanUnavailable(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root';
  if (!existsSync('/usr/sbin/ip') && !existsSync('/sbin/ip') && !existsSync('/usr/bin/ip')) return 'needs iproute2 (ip, tc)';
  return null;
}

/** The subnet host `index` lives on in a LAN of `subnets` subnets: `index % subnets`. */
export function subnetOfHost(index: number, subnets: number): number {
  return index % subnets;
}

function ip(args: readonly string[]): void {
  execFileSync('ip', [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function shape(namespace: string, device: string, rateMbit: number): void {
  ip(['netns', 'exec', namespace, 'tc', 'qdisc', 'add', 'dev', device, 'root', 'tbf', 'rate', `${rateMbit}mbit`, 'burst', '64kb', 'latency', '20ms']);
}

function spawnIn(namespace: string): NamespaceSpawn {
  return (command, args, spawnOptions = {}) => spawn('ip', ['netns', 'exec', namespace, command, ...args], spawnOptions);
}

function checkOptions(options: NamespaceLanOptions): number {
  const subnets = options.subnets ?? 1;
  if (!Number.isInteger(subnets) || subnets < 1 || subnets > MAX_SUBNETS) {
    throw new TypeError(`subnets must be an integer in [1, ${MAX_SUBNETS}], got ${String(subnets)} (${typeof subnets})`);
  }
  if (!Number.isInteger(options.hosts) || options.hosts < 0 || options.hosts > MAX_HOSTS) {
    throw new TypeError(`hosts must be an integer in [0, ${MAX_HOSTS}], got ${String(options.hosts)} (${typeof options.hosts})`);
  }
  return subnets;
}

/** The prefixes of `count` consecutive /24s starting at `first` (`a.b.c`). */
function subnetPrefixes(first: string, count: number): string[] {
  if (count === 1) return [first];
  const match = /^(\d{1,3}\.\d{1,3})\.(\d{1,3})$/.exec(first);
  const third = Number(match?.[2]);
  if (!match || third + count - 1 > 255) throw new TypeError(`subnet must be 'a.b.c' with room for ${count} /24s after it, got ${JSON.stringify(first)}`);
  return Array.from({ length: count }, (_, k) => `${match[1]}.${third + k}`);
}

/** What one LAN has made so far, for `destroy()`. */
interface Made {
  readonly namespaces: string[];
  readonly etcDirs: string[];
}

function destroyMade(made: Made): void {
  for (const namespace of made.namespaces.splice(0).reverse()) {
    try {
      ip(['netns', 'del', namespace]);
    } catch {
      // already gone
    }
  }
  for (const dir of made.etcDirs.splice(0)) {
    if (dir === ETC_NETNS) rmEmptyDir(dir);
    else rmSync(dir, { recursive: true, force: true });
  }
}

function rmEmptyDir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty (others' files) or already gone
  }
}

function addNamespace(made: Made, namespace: string): void {
  ip(['netns', 'add', namespace]);
  made.namespaces.push(namespace);
  ip(['netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up']);
}

/** A veth pair from `namespace` (`inner`, given `address/24`) to bridge `bridge` (`outer`). */
function plug(link: { namespace: string; inner: string; outer: string; bridgeNs: string; bridge: string; address: string }): void {
  ip(['link', 'add', link.inner, 'netns', link.namespace, 'type', 'veth', 'peer', 'name', link.outer, 'netns', link.bridgeNs]);
  ip(['netns', 'exec', link.bridgeNs, 'ip', 'link', 'set', link.outer, 'master', link.bridge, 'up']);
  ip(['netns', 'exec', link.namespace, 'ip', 'addr', 'add', `${link.address}/24`, 'brd', '+', 'dev', link.inner]);
  ip(['netns', 'exec', link.namespace, 'ip', 'link', 'set', link.inner, 'up']);
}

function addRouter(made: Made, id: string, bridgeNs: string, subnets: readonly LanSubnet[], rateMbit: number | null): LanRouter {
  const namespace = `sw${id}r`;
  addNamespace(made, namespace);
  for (const subnet of subnets) {
    const link = { namespace, inner: `r${id}s${subnet.index}`, outer: `q${id}s${subnet.index}`, bridgeNs, bridge: `br${subnet.index}`, address: subnet.routerAddress! };
    plug(link);
    if (rateMbit !== null) {
      shape(namespace, link.inner, rateMbit);
      shape(bridgeNs, link.outer, rateMbit);
    }
  }
  ip(['netns', 'exec', namespace, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  return { namespace, addresses: subnets.map((s) => s.routerAddress!), spawn: spawnIn(namespace) };
}

function addHost(made: Made, id: string, bridgeNs: string, index: number, subnet: LanSubnet, rateMbit: number): LanHost {
  const namespace = `sw${id}h${index}`;
  const address = `${subnet.prefix}.${index + 1}`;
  const inner = `v${id}h${index}`;
  const outer = `p${id}h${index}`;
  addNamespace(made, namespace);
  plug({ namespace, inner, outer, bridgeNs, bridge: `br${subnet.index}`, address });
  if (subnet.routerAddress !== null) ip(['netns', 'exec', namespace, 'ip', 'route', 'add', 'default', 'via', subnet.routerAddress]);
  shape(namespace, inner, rateMbit);
  shape(bridgeNs, outer, rateMbit);
  return { namespace, address, subnet: subnet.index, broadcastAddress: subnet.broadcastAddress, spawn: spawnIn(namespace), sent: () => qdiscSent(namespace, inner) };
}

/** The root qdisc's sent counters of `device` in `namespace`. */
function qdiscSent(namespace: string, device: string): LinkSent {
  const text = execFileSync('ip', ['netns', 'exec', namespace, 'tc', '-s', '-j', 'qdisc', 'show', 'dev', device], { encoding: 'utf8' });
  const root = (JSON.parse(text) as Array<{ root?: boolean; bytes?: number; packets?: number }>).find((q) => q.root === true);
  return { bytes: root?.bytes ?? 0, packets: root?.packets ?? 0 };
}

function useResolverOf(made: Made, hosts: readonly LanHost[]): (address: string) => void {
  return (address) => {
    if (typeof address !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) throw new TypeError(`resolver must be an IPv4 address, got ${JSON.stringify(address)}`);
    if (!existsSync(ETC_NETNS) && !made.etcDirs.includes(ETC_NETNS)) made.etcDirs.push(ETC_NETNS); // removed last, if empty
    for (const host of hosts) {
      const dir = `${ETC_NETNS}/${host.namespace}`;
      mkdirSync(dir, { recursive: true });
      if (!made.etcDirs.includes(dir)) made.etcDirs.unshift(dir);
      writeFileSync(`${dir}/resolv.conf`, `nameserver ${address}\n`);
    }
  };
}

/** Creates the LAN; on any failure, removes what it made and throws. */
export function createNamespaceLan(options: NamespaceLanOptions): NamespaceLan {
  const count = checkOptions(options);
  const id = randomBytes(3).toString('hex');
  const first = options.subnet ?? `10.77.${1 + (randomBytes(1)[0] ?? 0) % (251 - count)}`;
  const subnets: LanSubnet[] = subnetPrefixes(first, count).map((prefix, index) => ({
    index,
    prefix,
    broadcastAddress: `${prefix}.255`,
    routerAddress: count === 1 ? null : `${prefix}.${ROUTER_HOST_OCTET}`,
  }));
  const bridgeNs = `swbr${id}`;
  const made: Made = { namespaces: [], etcDirs: [] };
  const destroy = (): void => destroyMade(made);
  try {
    ip(['netns', 'add', bridgeNs]);
    made.namespaces.push(bridgeNs);
    for (const subnet of subnets) {
      ip(['netns', 'exec', bridgeNs, 'ip', 'link', 'add', `br${subnet.index}`, 'type', 'bridge']);
      ip(['netns', 'exec', bridgeNs, 'ip', 'link', 'set', `br${subnet.index}`, 'up']);
    }
    const router = count === 1 ? null : addRouter(made, id, bridgeNs, subnets, options.routerRateMbit ?? null);
    const hosts: LanHost[] = [];
    for (let index = 0; index < options.hosts; index++) {
      hosts.push(addHost(made, id, bridgeNs, index, subnets[subnetOfHost(index, count)]!, options.rateMbit));
    }
    return { hosts, broadcastAddress: subnets[0]!.broadcastAddress, subnets, router, useResolver: useResolverOf(made, hosts), destroy };
  } catch (err) {
    destroy();
    throw err;
  }
}
