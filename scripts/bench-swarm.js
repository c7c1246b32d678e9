#!/usr/bin/env node
// Swarm benchmark on a LAN of network namespaces (needs root and iproute2): N hosts and an origin
// on links shaped to --rate Mbit/s each way. For each N, one JSON line per mode, run in the same go:
// swarm-download, N plain curl downloads, and N aria2c on a torrent whose web seed is the origin
// (BEP 19) with an opentracker (when aria2c, mktorrent and opentracker are installed):
//   {mode, clients, subnets, discovery, fileBytes, T, Tmin, ratio: T/Tmin, originEgress: bytes/F,
//    originWireEgress: TCP payload bytes the origin's link carried / F,
//    allVerified, completionSeconds, clientSubnets[, cpuSeconds, cpuSecondsPerGiB, cpuSystemSecondsPerGiB, waitsPerMiB]}
// where T is the last completion and Tmin = max(F/u_origin, F/d_host, N*F/(u_origin + N*u_host))
// (the fluid model of Kumar and Ross).
//
//   sudo node scripts/bench-swarm.js [--clients 4,8] [--size 256MiB] [--rate 100] [--modes swarm,curl,aria2]
//                                    [--subnets 2] [--tracker | --peer-exchange | --dns] [--cpu]
//
// Without --clients, --size and --rate: N = 4 and 8 at 256MiB on 100 Mbit/s, then N = 16 at 64MiB
// on 25 Mbit/s. --cpu runs every client under GNU time (/usr/bin/time) and adds each client
// process's user + system CPU seconds over its whole life (seeding included; not the harness's)
// and their sum per GiB delivered (N * F bytes), and the clients' voluntary context switches
// (wake-ups after a wait) per MiB delivered. aria2c seeds until every client is done, then
// gets SIGINT (swarm-download seeds until idle for 3 s). SWARM_LAN_NODE_ARGS='--cpu-prof
// --cpu-prof-dir=DIR' passes Node flags to each swarm-download (a CPU profile per host);
// SWARM_LAN_BIN=PATH runs another build's bin/swarm-download.js (an old checkout's, to compare).
//
// originEgress counts what the origin handed to its sockets; a body a client closes early leaves
// what sat in the socket buffer unsent, so originWireEgress (the origin link's qdisc counters less
// 66 bytes of headers a packet) is the egress that really crossed the link.
// --origin-log adds `originOverlap` (the origin's egress taken apart: bytes sent more than once,
// by third of the run and tenth of the file, and per client; src/testing/origin-overlap.ts) and
// `originBodies` (every body the origin sent: startMs, endMs, client, offset, sentBytes).
//
// --subnets 2: two subnets joined by a router (broadcast does not cross it); the origin is on
// subnet 0 and the clients alternate, starting on subnet 1. How swarm-download finds peers
// (`discovery`; default broadcast, at most one of):
//   --tracker        an opentracker on the router; every host gets --tracker URL
//   --peer-exchange  every host gets --port 41771 --peer <one host on the other subnet>:41771
//   --dns            a dnsmasq on the router with every client's A record; every host gets
//                    --port 41771 --peers-dns swarm.lan.test:41771 --dns-server ROUTER_ADDR
// (the tracker and DNS server also need opentracker and dnsmasq installed). Build first:
// npx tsc -p tsconfig.build.json && node scripts/build-bundle.js
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseSize } from '../dist/config/size.js';
import { aria2Unavailable } from '../dist/testing/aria2-run.js';
import { childCpuUnavailable } from '../dist/testing/child-cpu.js';
import { discoveryArgs } from '../dist/testing/discovery-args.js';
import { lowerBoundSeconds, runLan } from '../dist/testing/lan-run.js';
import { namespaceLanUnavailable } from '../dist/testing/netns-lan.js';
import { originOverlap } from '../dist/testing/origin-overlap.js';
import { rendezvousUnavailable } from '../dist/testing/rendezvous.js';

const { values } = parseArgs({ options: {
  clients: { type: 'string' },
  size: { type: 'string' },
  rate: { type: 'string' },
  modes: { type: 'string', default: aria2Unavailable() === null ? 'swarm,curl,aria2' : 'swarm,curl' },
  cpu: { type: 'boolean', default: false },
  subnets: { type: 'string', default: '1' },
  tracker: { type: 'boolean', default: false },
  'peer-exchange': { type: 'boolean', default: false },
  dns: { type: 'boolean', default: false },
  'origin-log': { type: 'boolean', default: false },
} });
const modes = values.modes.split(',');
const why = namespaceLanUnavailable() ?? (values.tracker || values.dns ? rendezvousUnavailable() : null)
  ?? (modes.includes('aria2') ? aria2Unavailable() : null) ?? (values.cpu ? childCpuUnavailable() : null);
if (why) throw new Error(`cannot run: ${why}`);
const chosen = ['tracker', 'peer-exchange', 'dns'].filter((kind) => values[kind]);
if (chosen.length > 1) throw new Error(`choose at most one of --tracker, --peer-exchange, --dns, got ${chosen.join(', ')}`);
const discovery = chosen[0] ?? 'broadcast';
const subnets = Number(values.subnets);
const runs = values.clients === undefined && values.size === undefined && values.rate === undefined
  ? [{ clients: '4,8', size: '256MiB', rate: '100' }, { clients: '16', size: '64MiB', rate: '25' }]
  : [{ clients: values.clients ?? '4,8', size: values.size ?? '256MiB', rate: values.rate ?? '100' }];
const GiB = 2 ** 30;
const dir = await mkdtemp(join(tmpdir(), 'swarm-bench-lan-'));
try {
  for (const run of runs) await benchRun(run);
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** The sum of `seconds` per GiB of `bytes` delivered; null when a figure is missing. */
function perGiB(seconds, bytes) {
  return seconds.includes(null) ? null : seconds.reduce((a, b) => a + b, 0) / (bytes / GiB);
}

async function benchRun(run) {
  const fileBytes = parseSize(run.size);
  const rateMbit = Number(run.rate);
  for (const clients of run.clients.split(',').map(Number)) {
    for (const mode of modes) {
      const result = await runLan({
        clients, rateMbit, fileBytes, mode, workDir: dir, subnets, cpu: values.cpu,
        extraArgs: ['--seed-until-idle', '--idle-timeout', '3'],
        hostArgs: (ctx) => discoveryArgs(discovery, ctx),
        rendezvous: mode === 'swarm' ? { tracker: discovery === 'tracker', dns: discovery === 'dns' } : {},
        timeoutMs: 30 * 60_000,
      });
      const T = Math.max(...result.completionSeconds);
      const Tmin = lowerBoundSeconds(fileBytes, clients, rateMbit);
      const cpu = result.cpuSeconds === null ? {} : {
        cpuSeconds: result.cpuSeconds,
        cpuSecondsPerGiB: perGiB(result.cpuSeconds, clients * fileBytes),
        cpuSystemSecondsPerGiB: perGiB(result.cpuSystemSeconds, clients * fileBytes),
        waitsPerMiB: result.cpuWaits && perGiB(result.cpuWaits, clients * fileBytes) / 1024,
      };
      console.log(JSON.stringify({ mode, clients, subnets, discovery: mode === 'swarm' ? discovery : mode === 'aria2' ? 'tracker' : null, fileBytes, rateMbit, T, Tmin, ratio: T / Tmin,
        originEgress: result.originEgressBytes / fileBytes, originWireEgress: result.originWireBytes / fileBytes, allVerified: result.allVerified, exitCodes: result.exitCodes,
        completionSeconds: result.completionSeconds, clientSubnets: result.clientSubnets, ...cpu,
        ...(values['origin-log'] ? { originOverlap: originOverlap(result.originBodies, fileBytes), originBodies: result.originBodies } : {}) }));
    }
  }
}
