/**
 * A LAN made of Linux network namespaces, for tests and benchmarks: a bridge in a namespace of its
 * own, and one namespace per host joined to it by a veth pair, each link shaped by `tc` (tbf) in
 * both directions. Every address lives inside namespaces this module creates (10.77.x.0/24 by
 * default), so no traffic reaches any real network; `destroy()` removes them all.
 *
 * Needs root and iproute2 (`ip`, `tc`). Not responsible for what runs inside: {@link LanHost.spawn}
 * starts a process in a host's namespace.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

/** One host of the LAN. */
export interface LanHost {
  readonly namespace: string;
  readonly address: string;
  /** Starts `command args` inside this host's namespace. */
  spawn(command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
}

/** A LAN of namespaces. */
export interface NamespaceLan {
  readonly hosts: readonly LanHost[];
  /** The LAN's broadcast address. */
  readonly broadcastAddress: string;
  /** Removes every namespace (and so every interface) it created. Idempotent. */
  destroy(): void;
}

/** Options of {@link createNamespaceLan}. */
export interface NamespaceLanOptions {
  readonly hosts: number;
  /** Rate of every link in each direction, in Mbit/s. */
  readonly rateMbit: number;
  /** The /24 prefix of the LAN. @default '10.77.' + a random third octet */
  readonly subnet?: string;
}

/** Why namespaces cannot be made here, or null when they can (root and iproute2). */
export function namespaceLanUnavailable(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root';
  if (!existsSync('/usr/sbin/ip') && !existsSync('/sbin/ip') && !existsSync('/usr/bin/ip')) return 'needs iproute2 (ip, tc)';
  return null;
}

function ip(args: readonly string[]): void {
  execFileSync('ip', [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function shape(namespace: string, device: string, rateMbit: number): void {
  ip(['netns', 'exec', namespace, 'tc', 'qdisc', 'add', 'dev', device, 'root', 'tbf', 'rate', `${rateMbit}mbit`, 'burst', '64kb', 'latency', '20ms']);
}

/** Creates the LAN; on any failure, removes what it made and throws. */
export function createNamespaceLan(options: NamespaceLanOptions): NamespaceLan {
  const id = randomBytes(3).toString('hex');
  const subnet = options.subnet ?? `10.77.${1 + (randomBytes(1)[0] ?? 0) % 250}`;
  const bridgeNs = `swbr${id}`;
  const made: string[] = [];
  const destroy = (): void => {
    for (const namespace of made.splice(0).reverse()) {
      try {
        ip(['netns', 'del', namespace]);
      } catch {
        // already gone
      }
    }
  };
  try {
    ip(['netns', 'add', bridgeNs]);
    made.push(bridgeNs);
    ip(['netns', 'exec', bridgeNs, 'ip', 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['netns', 'exec', bridgeNs, 'ip', 'link', 'set', 'br0', 'up']);
    const hosts: LanHost[] = [];
    for (let index = 0; index < options.hosts; index++) {
      const namespace = `sw${id}h${index}`;
      const address = `${subnet}.${index + 1}`;
      ip(['netns', 'add', namespace]);
      made.push(namespace);
      ip(['link', 'add', `v${id}h${index}`, 'netns', namespace, 'type', 'veth', 'peer', 'name', `p${id}h${index}`, 'netns', bridgeNs]);
      ip(['netns', 'exec', bridgeNs, 'ip', 'link', 'set', `p${id}h${index}`, 'master', 'br0', 'up']);
      ip(['netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up']);
      ip(['netns', 'exec', namespace, 'ip', 'addr', 'add', `${address}/24`, 'brd', '+', 'dev', `v${id}h${index}`]);
      ip(['netns', 'exec', namespace, 'ip', 'link', 'set', `v${id}h${index}`, 'up']);
      shape(namespace, `v${id}h${index}`, options.rateMbit);
      shape(bridgeNs, `p${id}h${index}`, options.rateMbit);
      hosts.push({
        namespace,
        address,
        spawn: (command, args, spawnOptions = {}) => spawn('ip', ['netns', 'exec', namespace, command, ...args], spawnOptions),
      });
    }
    return { hosts, broadcastAddress: `${subnet}.255`, destroy };
  } catch (err) {
    destroy();
    throw err;
  }
}
