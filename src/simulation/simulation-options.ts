/**
 * The options of a swarm simulation, their checks, and the hosts they describe: rates, latencies,
 * when each host joins (a window for most, later for a seeded fraction) and whether it dies.
 *
 * Pure: no I/O; randomness passed in.
 */
import type { HostSpec } from './simulated-host.js';
import type { HostParameters } from './simulation-world.js';

/** What to simulate. Rates in bytes per second, times in simulated milliseconds. */
export interface SwarmSimulationOptions {
  readonly seed: number;
  readonly hosts: number;
  readonly fileBytes: number;
  /** @default 'auto' (as swarm-download) */
  readonly pieceBytes?: number | 'auto';
  readonly hostUpBps: number;
  readonly hostDownBps: number;
  readonly originBps: number;
  /** Each host's one-way latency to the core is one of these, chosen at random. @default [0.05] */
  readonly latenciesMs?: readonly number[];
  /** One-way latency from the core to the origin, added to the host's. @default 0 */
  readonly originLatencyMs?: number;
  /** Hosts join at uniform times in [0, arrivalWindowMs]. @default 0 */
  readonly arrivalWindowMs?: number;
  /** This fraction of hosts joins later, uniformly in [arrivalWindowMs, arrivalWindowMs + lateJoinWindowMs]. @default 0 */
  readonly lateJoinFraction?: number;
  /** @default 0 */
  readonly lateJoinWindowMs?: number;
  /** This fraction of hosts dies, at a uniform time in `dieWindowMs` (unless it completed before). @default 0 */
  readonly dieFraction?: number;
  /** @default [0, 10000] */
  readonly dieWindowMs?: readonly [number, number];
  /** Overrides of the real host's parameters (a policy to try). */
  readonly params?: Partial<HostParameters>;
  /** Stop there even if hosts are still downloading. @default Infinity */
  readonly maxSimulatedMs?: number;
}

function check(ok: boolean, what: string, value: unknown): void {
  if (!ok) throw new TypeError(`${what}, got ${String(value)} (${typeof value})`);
}

function fraction(value: number | undefined): number {
  return value ?? 0;
}

/** Throws a TypeError quoting the first bad option. */
export function validateOptions(opts: SwarmSimulationOptions): void {
  check(Number.isSafeInteger(opts.hosts) && opts.hosts >= 1, 'hosts must be a positive integer', opts.hosts);
  check(Number.isSafeInteger(opts.fileBytes) && opts.fileBytes >= 1, 'fileBytes must be a positive integer', opts.fileBytes);
  for (const [name, value] of [['hostUpBps', opts.hostUpBps], ['hostDownBps', opts.hostDownBps], ['originBps', opts.originBps]] as const) {
    check(value > 0 && Number.isFinite(value), `${name} must be a positive number`, value);
  }
  for (const [name, value] of [['lateJoinFraction', opts.lateJoinFraction], ['dieFraction', opts.dieFraction]] as const) {
    check(value === undefined || (value >= 0 && value <= 1), `${name} must be in [0, 1]`, value);
  }
  const latencies = opts.latenciesMs ?? [0.05];
  check(latencies.length > 0 && latencies.every((ms) => ms >= 0 && Number.isFinite(ms)), 'latenciesMs must be non-negative numbers', latencies);
  for (const [name, value] of [['arrivalWindowMs', opts.arrivalWindowMs], ['lateJoinWindowMs', opts.lateJoinWindowMs], ['originLatencyMs', opts.originLatencyMs]] as const) {
    check(value === undefined || (value >= 0 && Number.isFinite(value)), `${name} must be a non-negative number`, value);
  }
}

/** The hosts `opts` describes, drawn with `random01`. */
export function hostSpecs(opts: SwarmSimulationOptions, random01: () => number): HostSpec[] {
  validateOptions(opts);
  const latencies = opts.latenciesMs ?? [0.05];
  const window = opts.arrivalWindowMs ?? 0;
  const [dieFrom, dieTo] = opts.dieWindowMs ?? [0, 10_000];
  return Array.from({ length: opts.hosts }, () => {
    const late = random01() < fraction(opts.lateJoinFraction);
    const joinMs = late ? window + random01() * (opts.lateJoinWindowMs ?? 0) : random01() * window;
    const dies = random01() < fraction(opts.dieFraction);
    const dieMs = dies ? Math.max(joinMs, dieFrom + random01() * (dieTo - dieFrom)) : null;
    return {
      upBps: opts.hostUpBps,
      downBps: opts.hostDownBps,
      latencyMs: latencies[Math.floor(random01() * latencies.length)]!,
      joinMs,
      dieMs,
    };
  });
}
