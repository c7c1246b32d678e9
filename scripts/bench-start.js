#!/usr/bin/env node
// Benchmark: what swarm-download costs to start. Runs, interleaved round by round so machine
// noise hits each alike: `node -e 0` (the floor: Node itself), `swarm-download --version` (the
// program loaded and its flags parsed) and a real download of a small file from a loopback
// origin (`download`: broadcast discovery on 127.255.255.255 as a LAN host would; `solo`:
// --no-discovery). Each runs under GNU time for its user + system CPU seconds; the harness times
// the wall seconds to the first origin request and to exit.
//
//   node scripts/bench-start.js [--runs 20] [--size 1MiB] [--baseline DIR]
//
// With --baseline, the same programs of another checkout (DIR, built) run in each round too.
// Prints one JSON line per case: median and mean CPU seconds (GNU time counts in 10 ms steps:
// the mean over many runs is the finer figure), median wall seconds to the first request and to
// exit, and the ratios of the mean CPU and median exit time to `node -e 0`'s. Build first
// (`npm run build`): the programs run from their bundles, as installed.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { childCpuUnavailable, cpuTimedCommand, readCpuTimes } from '../dist/testing/child-cpu.js';
import { parseSize } from '../dist/config/size.js';
import { makeContent, startOrigin } from '../dist/testing/origin-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: {
  runs: { type: 'string', default: '20' },
  size: { type: 'string', default: '1MiB' },
  baseline: { type: 'string' },
} });
const runs = Number(values.runs);
const size = parseSize(values.size);
if (size === null || !(runs >= 1)) throw new Error('usage: bench-start.js [--runs N] [--size SIZE] [--baseline DIR]');
const why = childCpuUnavailable();
if (why) throw new Error(`cannot run: ${why}`);

/** The time the origin saw its first request since the last reset, in performance.now() ms. */
let firstRequestAt = null;
const origin = await startOrigin({ content: makeContent(size, 5), onRequest: () => { firstRequestAt ??= performance.now(); } });
const dir = await mkdtemp(join(tmpdir(), 'swarm-bench-start-'));

/** The cases of one checkout: name -> arguments to node. */
function casesOf(checkout, label) {
  const program = join(checkout, 'bin/swarm-download.js');
  const download = (extra) => [program, origin.url, '-o', join(dir, 'out.bin'), '--storage-directory', join(dir, 'storage'), '--quiet', ...extra];
  return {
    [`${label}version`]: [program, '--version'],
    [`${label}download`]: download(['--broadcast-address', '127.255.255.255']),
    [`${label}solo`]: download(['--no-discovery']),
  };
}

const cases = { 'node -e 0': ['-e', '0'], ...casesOf(root, ''), ...(values.baseline ? casesOf(values.baseline, 'baseline ') : {}) };

/** Runs `node args` once: CPU seconds, wall seconds to exit and to the first origin request. */
async function once(args) {
  await rm(join(dir, 'storage'), { recursive: true, force: true });
  await rm(join(dir, 'out.bin'), { force: true });
  const cpuFile = join(dir, 'cpu');
  const [command, wrapped] = cpuTimedCommand(process.execPath, args, cpuFile);
  firstRequestAt = null;
  const started = performance.now();
  const child = spawn(command, wrapped, { stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise((resolve, reject) => child.on('error', reject).on('close', resolve));
  const exitSeconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited ${code}`);
  const cpu = await readCpuTimes(cpuFile);
  return { cpuSeconds: cpu.user + cpu.system, exitSeconds, firstRequestSeconds: firstRequestAt === null ? null : (firstRequestAt - started) / 1000 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round = (x) => Math.round(x * 1000) / 1000;

try {
  const rows = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let run = 0; run < runs; run++) {
    for (const [name, args] of Object.entries(cases)) rows[name].push(await once(args));
  }
  const floor = rows['node -e 0'];
  const floorCpu = mean(floor.map((r) => r.cpuSeconds));
  const floorExit = median(floor.map((r) => r.exitSeconds));
  for (const [name, results] of Object.entries(rows)) {
    const cpu = results.map((r) => r.cpuSeconds);
    const exit = median(results.map((r) => r.exitSeconds));
    const first = results.map((r) => r.firstRequestSeconds).filter((s) => s !== null);
    console.log(JSON.stringify({
      case: name, runs, medianCpuSeconds: round(median(cpu)), meanCpuSeconds: round(mean(cpu)),
      medianFirstRequestSeconds: first.length > 0 ? round(median(first)) : null, medianExitSeconds: round(exit),
      cpuRatio: round(mean(cpu) / floorCpu), exitRatio: round(exit / floorExit),
    }));
  }
} finally {
  await origin.close();
  await rm(dir, { recursive: true, force: true });
}
