#!/usr/bin/env node
// Swarm simulator: a deterministic discrete-event simulation of N swarm-download hosts and one
// origin (src/simulation/), no sockets, simulated clock. It drives the project's own pure modules
// (origin-run picker, peer picker, request ledger, upload slots) with the real host's parameters,
// and prints, for each N, one JSON line with the figures scripts/bench-swarm.js prints:
//   {mode: "sim", clients, fileBytes, rateMbit, T, Tmin, ratio: T/Tmin, originEgress: bytes/F,
//    first, median, last (completion seconds), died, incomplete, seed, ...}
// (--completions adds every host's completion seconds, as bench-swarm's completionSeconds).
//
//   node scripts/simulate-swarm.js [--clients 4,8] [--size 256MiB] [--rate 100] [--origin-rate R]
//       [--up-rate R] [--down-rate R] [--latency 0.05[,ms...]] [--origin-latency 0]
//       [--arrival-window 0.3] [--late-fraction 0] [--late-window 0] [--die-fraction 0]
//       [--die-window 0,10] [--seed 1] [--dial-peers 32] [--max-peers 64] [--upload-slots 8]
//       [--max-fetching-peers 16|none] [--no-claim-gossip] [--claim-hops 3] [--claim-ttl 60] [--starve 2] [--completions]
//
// Claim gossip (swarm/claim-gossip.ts) is on, as in the real host; --no-claim-gossip turns it off
// (--claim-gossip, its old switch, is still taken). --max-fetching-peers none turns off the cap on origin runs.
// Rates in Mbit/s (default: --rate for the origin and both directions of every host), latencies in
// ms (each host gets one of the listed values at random), windows in seconds. Build first:
// npm run build
import { parseArgs } from 'node:util';
import { parseSize } from '../dist/config/size.js';
import { SwarmSimulation } from '../dist/simulation/swarm-simulation.js';

const { values } = parseArgs({ options: {
  clients: { type: 'string', default: '4,8' },
  size: { type: 'string', default: '256MiB' },
  rate: { type: 'string', default: '100' },
  'origin-rate': { type: 'string' },
  'up-rate': { type: 'string' },
  'down-rate': { type: 'string' },
  latency: { type: 'string', default: '0.05' },
  'origin-latency': { type: 'string', default: '0' },
  'arrival-window': { type: 'string', default: '0.3' },
  'late-fraction': { type: 'string', default: '0' },
  'late-window': { type: 'string', default: '0' },
  'die-fraction': { type: 'string', default: '0' },
  'die-window': { type: 'string', default: '0,10' },
  seed: { type: 'string', default: '1' },
  'dial-peers': { type: 'string' },
  'max-peers': { type: 'string' },
  'upload-slots': { type: 'string' },
  'claim-gossip': { type: 'boolean', default: true },
  'no-claim-gossip': { type: 'boolean', default: false },
  'max-fetching-peers': { type: 'string' },
  'claim-hops': { type: 'string' },
  'claim-ttl': { type: 'string' },
  starve: { type: 'string' },
  completions: { type: 'boolean', default: false },
} });

const mbit = (text) => (Number(text) * 1e6) / 8;
const number = (name) => {
  const value = Number(values[name]);
  if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, got ${JSON.stringify(values[name])}`);
  return value;
};
const rateMbit = number('rate');
const [dieFrom, dieTo] = values['die-window'].split(',').map((s) => Number(s) * 1000);
const params = {};
if (values['dial-peers'] !== undefined) params.dialPeers = number('dial-peers');
if (values['max-peers'] !== undefined) params.maxPeers = number('max-peers');
if (values['upload-slots'] !== undefined) params.uploadSlots = number('upload-slots');
if (values['no-claim-gossip']) params.claimGossip = false;
if (values['max-fetching-peers'] !== undefined) params.maxFetchingPeers = values['max-fetching-peers'] === 'none' ? null : number('max-fetching-peers');
if (values['claim-hops'] !== undefined) params.claimHops = number('claim-hops');
if (values['claim-ttl'] !== undefined) params.claimTtlMs = number('claim-ttl') * 1000;
if (values.starve !== undefined) params.starveMs = number('starve') * 1000;
const fileBytes = parseSize(values.size);
for (const clients of values.clients.split(',').map(Number)) {
  const started = performance.now();
  const sim = new SwarmSimulation({
    seed: number('seed'), hosts: clients, fileBytes,
    hostUpBps: mbit(values['up-rate'] ?? rateMbit), hostDownBps: mbit(values['down-rate'] ?? rateMbit),
    originBps: mbit(values['origin-rate'] ?? rateMbit),
    latenciesMs: values.latency.split(',').map(Number), originLatencyMs: number('origin-latency'),
    arrivalWindowMs: number('arrival-window') * 1000,
    lateJoinFraction: number('late-fraction'), lateJoinWindowMs: number('late-window') * 1000,
    dieFraction: number('die-fraction'), dieWindowMs: [dieFrom, dieTo], params,
  });
  const f = sim.run();
  const { completionSeconds, ...figures } = f;
  console.log(JSON.stringify({ mode: 'sim', ...figures, rateMbit, seed: number('seed'), first: f.firstSeconds, median: f.medianSeconds, last: f.lastSeconds,
    wallSeconds: (performance.now() - started) / 1000, ...(values.completions ? { completionSeconds } : {}) }));
}
