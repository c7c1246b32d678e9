#!/usr/bin/env node
// Swarm benchmark on a LAN of network namespaces (needs root and iproute2): N hosts and an origin
// on links shaped to --rate Mbit/s each way. For each N, one JSON line for swarm-download and one
// for N plain curl downloads, run in the same go:
//   {mode, clients, subnets, discovery, fileBytes, T, Tmin, ratio: T/Tmin, originEgress: bytes/F,
//    allVerified, completionSeconds, clientSubnets}
// where T is the last completion and Tmin = max(F/u_origin, F/d_host, N*F/(u_origin + N*u_host))
// (the fluid model of Kumar and Ross).
//
//   sudo node scripts/bench-swarm.js [--clients 4,8] [--size 256MiB] [--rate 100] [--modes swarm,curl]
//                                    [--subnets 2] [--tracker | --peer-exchange | --dns]
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
import { discoveryArgs } from '../dist/testing/discovery-args.js';
import { lowerBoundSeconds, runLan } from '../dist/testing/lan-run.js';
import { namespaceLanUnavailable } from '../dist/testing/netns-lan.js';
import { rendezvousUnavailable } from '../dist/testing/rendezvous.js';

const { values } = parseArgs({ options: {
  clients: { type: 'string', default: '4,8' },
  size: { type: 'string', default: '256MiB' },
  rate: { type: 'string', default: '100' },
  modes: { type: 'string', default: 'swarm,curl' },
  subnets: { type: 'string', default: '1' },
  tracker: { type: 'boolean', default: false },
  'peer-exchange': { type: 'boolean', default: false },
  dns: { type: 'boolean', default: false },
} });
const why = namespaceLanUnavailable() ?? (values.tracker || values.dns ? rendezvousUnavailable() : null);
if (why) throw new Error(`cannot run: ${why}`);
const chosen = ['tracker', 'peer-exchange', 'dns'].filter((kind) => values[kind]);
if (chosen.length > 1) throw new Error(`choose at most one of --tracker, --peer-exchange, --dns, got ${chosen.join(', ')}`);
const discovery = chosen[0] ?? 'broadcast';
const subnets = Number(values.subnets);
const fileBytes = parseSize(values.size);
const rateMbit = Number(values.rate);
const dir = await mkdtemp(join(tmpdir(), 'swarm-bench-lan-'));
try {
  for (const clients of values.clients.split(',').map(Number)) {
    for (const mode of values.modes.split(',')) {
      const result = await runLan({
        clients, rateMbit, fileBytes, mode, workDir: dir, subnets,
        extraArgs: ['--seed-until-idle', '--idle-timeout', '3'],
        hostArgs: (ctx) => discoveryArgs(discovery, ctx),
        rendezvous: mode === 'swarm' ? { tracker: discovery === 'tracker', dns: discovery === 'dns' } : {},
        timeoutMs: 30 * 60_000,
      });
      const T = Math.max(...result.completionSeconds);
      const Tmin = lowerBoundSeconds(fileBytes, clients, rateMbit);
      console.log(JSON.stringify({ mode, clients, subnets, discovery: mode === 'swarm' ? discovery : null, fileBytes, rateMbit, T, Tmin, ratio: T / Tmin,
        originEgress: result.originEgressBytes / fileBytes, allVerified: result.allVerified, exitCodes: result.exitCodes,
        completionSeconds: result.completionSeconds, clientSubnets: result.clientSubnets }));
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
