#!/usr/bin/env node
// Swarm benchmark on a LAN of network namespaces (needs root and iproute2): N hosts and an origin
// on links shaped to --rate Mbit/s each way. For each N, one JSON line for swarm-download and one
// for N plain curl downloads, run in the same go:
//   {mode, clients, fileBytes, T, Tmin, ratio: T/Tmin, originEgress: bytes/F, allVerified}
// where T is the last completion and Tmin = max(F/u_origin, F/d_host, N*F/(u_origin + N*u_host))
// (the fluid model of Kumar and Ross).
//
//   sudo node scripts/bench-swarm.js [--clients 4,8] [--size 256MiB] [--rate 100]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseSize } from '../dist/config/size.js';
import { lowerBoundSeconds, runLan } from '../dist/testing/lan-run.js';
import { namespaceLanUnavailable } from '../dist/testing/netns-lan.js';

const { values } = parseArgs({ options: {
  clients: { type: 'string', default: '4,8' },
  size: { type: 'string', default: '256MiB' },
  rate: { type: 'string', default: '100' },
  modes: { type: 'string', default: 'swarm,curl' },
} });
const why = namespaceLanUnavailable();
if (why) throw new Error(`cannot run: ${why}`);
const fileBytes = parseSize(values.size);
const rateMbit = Number(values.rate);
const dir = await mkdtemp(join(tmpdir(), 'swarm-bench-lan-'));
try {
  for (const clients of values.clients.split(',').map(Number)) {
    for (const mode of values.modes.split(',')) {
      const result = await runLan({
        clients, rateMbit, fileBytes, mode, workDir: dir,
        extraArgs: ['--seed-until-idle', '--idle-timeout', '3'],
        timeoutMs: 30 * 60_000,
      });
      const T = Math.max(...result.completionSeconds);
      const Tmin = lowerBoundSeconds(fileBytes, clients, rateMbit);
      console.log(JSON.stringify({ mode, clients, fileBytes, rateMbit, T, Tmin, ratio: T / Tmin,
        originEgress: result.originEgressBytes / fileBytes, allVerified: result.allVerified, exitCodes: result.exitCodes }));
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
