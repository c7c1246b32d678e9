/**
 * The `dns` peer source (`--peers-dns NAME[:PORT]`): every A and AAAA record of one name is a
 * peer listening on one port, as a Kubernetes headless service or a round-robin name gives them.
 *
 * It asks for both record types at start and again `intervalMs` after each answer settles, and
 * reports the dialable addresses as candidates (no swarm id: the host dials them for every swarm;
 * no peer id). `answered(null)` follows the first answer, whatever it was. A name without
 * records (NODATA, NXDOMAIN) is a warning, and so is a failed lookup (timeout, refused, a bad
 * answer), each once while it lasts; both are asked again at the next interval. At most
 * `maxAddresses` addresses are read per answer; addresses that are not dialable are dropped.
 *
 * Not responsible for: parsing the flag (see `parseDnsName`), SRV records, caching (records are
 * asked for anew each time; the host's own backoff spaces dials), dialling. Concurrency: one
 * event loop; answers never overlap (the next question waits for the last answer); the timer is
 * unref'd; nothing is reported after `stop()`, which cancels questions under way. A sink that
 * throws breaks the host's side of the contract and is not caught here.
 */
import { Resolver } from 'node:dns/promises';
import { candidatesFromAnswers, droppedSuffix, errorCode, RepeatGuard, type AddressAnswer } from './address-answer.js';
import { hostKind, parseDnsServer } from './peer-address.js';
import type { LocalPeer, PeerSource, PeerSourceSink, SwarmWant } from './peer-source.js';

/** How long after an answer the name is asked again unless told otherwise. */
export const DEFAULT_DNS_INTERVAL_MS = 30_000;
/** At most this many addresses are read per answer unless told otherwise. */
export const DEFAULT_DNS_MAX_ADDRESSES = 256;
/** The default resolver's wait for one server's reply. */
export const DNS_TIMEOUT_MS = 2000;
/** The default resolver's tries per server. */
export const DNS_TRIES = 2;
/** The `node:dns` codes that mean "no such records" rather than a failure. */
const NO_RECORDS_CODES: ReadonlySet<string> = new Set(['ENODATA', 'ENOTFOUND']);
/** The record types asked for, in the order of the questions. */
const RECORD_TYPES = ['A', 'AAAA'] as const;

/** The part of `dns.promises.Resolver` a {@link DnsSource} uses. */
export interface DnsResolver {
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  /** Cancels questions under way (they reject); called by `stop()` when present. */
  cancel?(): void;
}

/** Options of {@link DnsSource}. */
export interface DnsSourceOptions {
  /** The DNS name whose A/AAAA records are peers (a trailing dot allowed). */
  readonly name: string;
  /** The TCP port every peer listens on, 1..65535. */
  readonly port: number;
  /**
   * The servers the default resolver asks, as `dns.Resolver#setServers` takes them
   * (`'10.0.0.2'`, `'127.0.0.1:5353'`, `'[fd00::53]:5353'`). Not with `resolver`.
   * @default the system's servers (/etc/resolv.conf)
   */
  readonly servers?: readonly string[];
  /** @default a node:dns/promises Resolver, timeout DNS_TIMEOUT_MS, tries DNS_TRIES, on `servers` */
  readonly resolver?: DnsResolver;
  /** @default DEFAULT_DNS_INTERVAL_MS */
  readonly intervalMs?: number;
  /** @default DEFAULT_DNS_MAX_ADDRESSES */
  readonly maxAddresses?: number;
}

/** See the module comment. Construct (no side effects), `start()`, `stop()`. */
export class DnsSource implements PeerSource {
  readonly kind = 'dns' as const;
  readonly #name: string;
  readonly #port: number;
  readonly #servers: readonly string[] | null;
  readonly #intervalMs: number;
  readonly #maxAddresses: number;
  readonly #warnings = new RepeatGuard();
  #resolver: DnsResolver | null;
  #sink: PeerSourceSink | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  /** Throws a TypeError quoting the bad value for a bad name, port, server or number. */
  constructor(options: DnsSourceOptions) {
    if (typeof options.name !== 'string' || hostKind(options.name) !== 'name') throw new TypeError(`DnsSource: name must be a DNS name, not ${JSON.stringify(options.name)}`);
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) throw new TypeError(`DnsSource: port must be a whole number 1..65535, not ${String(options.port)}`);
    if (options.servers !== undefined && options.resolver !== undefined) throw new TypeError('DnsSource: give servers or resolver, not both');
    for (const server of options.servers ?? []) {
      const parsed = typeof server === 'string' ? parseDnsServer(server) : null;
      if (parsed === null || !parsed.ok) throw new TypeError(`DnsSource: server ${JSON.stringify(server)} is not IP[:PORT]`);
    }
    this.#name = options.name;
    this.#port = options.port;
    this.#servers = options.servers === undefined ? null : [...options.servers];
    this.#resolver = options.resolver ?? null;
    this.#intervalMs = options.intervalMs ?? DEFAULT_DNS_INTERVAL_MS;
    this.#maxAddresses = options.maxAddresses ?? DEFAULT_DNS_MAX_ADDRESSES;
    if (!Number.isFinite(this.#intervalMs) || this.#intervalMs < 1) throw new TypeError(`DnsSource: intervalMs must be a number >= 1, not ${String(this.#intervalMs)}`);
    if (!Number.isInteger(this.#maxAddresses) || this.#maxAddresses < 1) throw new TypeError(`DnsSource: maxAddresses must be a whole number >= 1, not ${String(this.#maxAddresses)}`);
  }

  /** Asks for the records at once; resolves at once; never rejects. Throws a TypeError when started twice. */
  async start(_local: LocalPeer, _swarms: readonly SwarmWant[], sink: PeerSourceSink): Promise<void> {
    if (this.#sink !== null || this.#stopped) throw new TypeError('DnsSource: start() called twice or after stop()');
    this.#sink = sink;
    this.#resolver ??= defaultResolver(this.#servers);
    void this.#ask(true);
  }

  /** DNS peers are dialled for every swarm: nothing to do. */
  update(_swarms: readonly SwarmWant[]): void {}

  /** Stops asking and cancels questions under way; their answers are dropped. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#resolver?.cancel?.();
  }

  /** One question for A and AAAA; reports; schedules the next. */
  async #ask(first: boolean): Promise<void> {
    const resolver = this.#resolver;
    if (this.#stopped || resolver === null) return;
    const results = await Promise.allSettled([
      settle(() => resolver.resolve4(this.#name)),
      settle(() => resolver.resolve6(this.#name)),
    ]);
    const sink = this.#sink;
    if (this.#stopped || sink === null) return;
    this.#timer = setTimeout(() => void this.#ask(false), this.#intervalMs).unref();
    this.#report(results, sink);
    if (first) sink.answered(null);
  }

  #report(results: readonly PromiseSettledResult<unknown>[], sink: PeerSourceSink): void {
    const answers = results.map((result) => (result.status === 'fulfilled' ? result.value : []));
    const answer = candidatesFromAnswers(answers, this.#port, this.#maxAddresses);
    if (answer.candidates.length > 0) sink.candidates(answer.candidates);
    const problem = this.#problem(results, answer);
    if (problem === null) this.#warnings.clear('answer');
    else if (this.#warnings.isNew('answer', problem)) sink.warning(`--peers-dns ${this.#name}: ${problem}; asking again every ${formatSeconds(this.#intervalMs)}`);
    if (!answer.overCap) this.#warnings.clear('cap');
    else if (this.#warnings.isNew('cap', 'over')) sink.warning(`--peers-dns ${this.#name}: more than ${this.#maxAddresses} records; only the first ${this.#maxAddresses} are taken`);
  }

  /** What is wrong with the A and AAAA answers, worth a warning, or null. */
  #problem(results: readonly PromiseSettledResult<unknown>[], answer: AddressAnswer): string | null {
    const failures = results.flatMap((result, index) => {
      const type = RECORD_TYPES[index] ?? '?';
      if (result.status === 'fulfilled') return Array.isArray(result.value) ? [] : [`${type} a malformed answer`];
      const code = errorCode(result.reason);
      return NO_RECORDS_CODES.has(code) ? [] : [`${type} ${code}`];
    });
    const asked = this.#servers === null ? '' : ` (asking ${this.#servers.join(', ')})`;
    if (failures.length > 0) return `DNS lookup failed (${failures.join(', ')})${asked}`;
    if (answer.candidates.length > 0) return null;
    if (answer.droppedCount > 0) return `${this.#name} has no dialable address in its A/AAAA records${droppedSuffix(answer)}`;
    return `${this.#name} has no A/AAAA records (yet)`;
  }
}

/** Calls `ask`, turning a synchronous throw into a rejection. */
async function settle<T>(ask: () => Promise<T>): Promise<T> {
  return ask();
}

function defaultResolver(servers: readonly string[] | null): DnsResolver {
  const resolver = new Resolver({ timeout: DNS_TIMEOUT_MS, tries: DNS_TRIES });
  if (servers !== null) resolver.setServers(servers);
  return resolver;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
