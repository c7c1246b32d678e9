#!/usr/bin/env node
// CPU a swarm-download spends per byte it receives from and serves to peers, on loopback, with no
// shaping: one seeder (a complete copy in its cache, `--seed-until-idle`) and --leechers processes
// that take the whole file from it (every origin GET answers 503 once the seeder holds the file;
// HEAD still answers). Every process runs under GNU time (user + system CPU over its whole life).
// One JSON line per run:
//   {build, run, leechers, fileBytes, seconds, seeder: {user, system, servedBytes},
//    leechers: [{user, system, receivedBytes, servedBytes}],
//    servePerGiB, receivePerGiB, totalPerGiB, systemPerGiB, waitsPerMiB, preemptionsPerMiB}
// servePerGiB: the seeder's CPU seconds per GiB it served; receivePerGiB: the leechers' CPU per
// GiB they received (with one leecher it serves nothing, so the figure is the receive path alone);
// totalPerGiB: all processes' CPU per GiB delivered (leechers * F). Startup (~0.2 s a process) is
// included: use a size large enough to dwarf it. waitsPerMiB: voluntary context switches (each a
// wake-up after waiting for a socket, the disk or a timer) of all processes per MiB delivered;
// preemptionsPerMiB: involuntary ones.
// --bin takes several swarm-download entry points (e.g. this checkout's and an old build's copy
// of bin/ + dist/bundle/): their runs are interleaved (A B A B ...) after one warm-up run each,
// and a last line gives each build's medians and their ratios to the first build's.
//
//   node scripts/bench-peer-cpu.js [--size 512MiB] [--leechers 1] [--runs 5]
//                                  [--bin bin/swarm-download.js,/tmp/old/bin/swarm-download.js]
//
// SWARM_LAN_NODE_ARGS='--cpu-prof --cpu-prof-dir=DIR' passes Node flags to each swarm-download.
// Needs GNU time (Debian package time) and a build (npm run build).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseSize } from '../dist/config/size.js';
import { childCpuUnavailable, cpuTimedCommand, readCpuTimes } from '../dist/testing/child-cpu.js';
import { startOrigin } from '../dist/testing/origin-server.js';
import { writeRandomFile } from '../dist/testing/random-file.js';

const { values } = parseArgs({ options: {
  size: { type: 'string', default: '512MiB' },
  leechers: { type: 'string', default: '1' },
  runs: { type: 'string', default: '5' },
  bin: { type: 'string', default: 'bin/swarm-download.js' },
} });
const why = childCpuUnavailable();
if (why) throw new Error(`cannot run: ${why}`);
const fileBytes = parseSize(values.size);
const leecherCount = Number(values.leechers);
const runs = Number(values.runs);
const bins = values.bin.split(',').map((path) => resolve(path));
const GiB = 2 ** 30;
const MiB = 2 ** 20;
const RUN_TIMEOUT_MS = 180_000;
/** Node flags for every swarm-download, as bench-swarm takes them (e.g. a CPU profile each). */
const NODE_ARGS = (process.env.SWARM_LAN_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
const dir = await mkdtemp(join(tmpdir(), 'swarm-bench-peer-cpu-'));
try {
  await main();
} finally {
  await rm(dir, { recursive: true, force: true });
}

async function main() {
  const file = join(dir, 'file.bin');
  await writeRandomFile(file, fileBytes);
  const origin = await startOrigin({ content: { path: file }, host: '127.0.0.1' });
  try {
    // Each build's seeder fetches the file once (its own cache), then the origin refuses bodies.
    for (const [index, bin] of bins.entries()) await runDownload(bin, origin.url, `seed-${index}`, ['--no-discovery']);
    origin.setFaults({ failFirstRequests: { count: Number.MAX_SAFE_INTEGER, status: 503 } });
    const results = bins.map(() => []);
    for (let run = 0; run <= runs; run++) {
      for (const [index, bin] of bins.entries()) {
        const result = await peerRun(bin, index, origin.url, run);
        if (run === 0) continue; // warm-up: the seeder hashes its pieces once (fetched alone, it kept CRCs)
        console.log(JSON.stringify({ build: bin, run, ...result }));
        results[index].push(result);
      }
    }
    console.log(JSON.stringify(summary(results)));
  } finally {
    await origin.close();
  }
}

/** One seeder and the leechers, all timed; resolves to the run's figures. */
async function peerRun(bin, index, url, run) {
  const port = await freePort();
  const started = performance.now();
  const seederArgs = ['--port', String(port), '--no-broadcast', '--seed-until-idle', '--idle-timeout', '5s'];
  const seeder = startDownload(bin, url, `seed-${index}`, seederArgs, `s-${index}-${run}`);
  await seeder.saw('seeding');
  const leecherArgs = ['--peer', `127.0.0.1:${port}`, '--no-broadcast', '--seed-until-idle', '--idle-timeout', '1s'];
  const leechers = Array.from({ length: leecherCount }, (_, i) => startDownload(bin, url, `leech-${index}-${run}-${i}`, leecherArgs, `l-${index}-${run}-${i}`));
  const ends = await Promise.all(leechers.map((leecher) => leecher.end));
  const seederEnd = await seeder.end;
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(leechers.map((_, i) => rm(join(dir, `leech-${index}-${run}-${i}`), { recursive: true, force: true })));
  const served = seederEnd.idle?.uploadedBytes ?? 0;
  const received = ends.reduce((sum, end) => sum + (end.done?.peerBytes ?? 0), 0);
  const leecherCpu = ends.reduce((sum, end) => sum + end.cpu.user + end.cpu.system, 0);
  const all = [seederEnd, ...ends];
  return {
    leecherCount, fileBytes, seconds,
    seeder: { ...seederEnd.cpu, servedBytes: served },
    leechers: ends.map((end) => ({ ...end.cpu, receivedBytes: end.done?.peerBytes ?? 0, originBytes: end.done?.originBytes ?? null, servedBytes: end.idle?.uploadedBytes ?? 0 })),
    servePerGiB: (seederEnd.cpu.user + seederEnd.cpu.system) / (served / GiB),
    receivePerGiB: leecherCpu / (received / GiB),
    totalPerGiB: all.reduce((sum, end) => sum + end.cpu.user + end.cpu.system, 0) / (leecherCount * fileBytes / GiB),
    systemPerGiB: all.reduce((sum, end) => sum + end.cpu.system, 0) / (leecherCount * fileBytes / GiB),
    waitsPerMiB: all.reduce((sum, end) => sum + end.cpu.waits, 0) / (leecherCount * fileBytes / MiB),
    preemptionsPerMiB: all.reduce((sum, end) => sum + end.cpu.preemptions, 0) / (leecherCount * fileBytes / MiB),
  };
}

/** Runs one download to its end (untimed figures unused); throws when it fails. */
async function runDownload(bin, url, name, extra) {
  const end = await startDownload(bin, url, name, extra, `prep-${name}`).end;
  if (!end.done) throw new Error(`${name}: no done event`);
}

/** Starts `bin URL` under GNU time in `dir/name`; `saw(kind)` resolves at that event, `end` at exit. */
function startDownload(bin, url, name, extra, cpuName) {
  const work = join(dir, name);
  mkdirSync(work, { recursive: true });
  const cpuFile = join(dir, `${cpuName}.cpu`);
  const args = [...NODE_ARGS, bin, url, '-o', join(work, 'out'), '--storage-directory', join(work, 'store'), '--json', ...extra];
  const [command, timedArgs] = cpuTimedCommand(process.execPath, args, cpuFile);
  // Its own process group, so a run that hangs is ended whole (GNU time and the download).
  const child = spawn(command, timedArgs, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const timer = setTimeout(() => process.kill(-child.pid, 'SIGKILL'), RUN_TIMEOUT_MS);
  const events = {};
  const waiters = [];
  let text = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  child.stdout.on('data', (chunk) => {
    text += chunk;
    let newline;
    while ((newline = text.indexOf('\n')) >= 0) {
      const event = JSON.parse(text.slice(0, newline));
      text = text.slice(newline + 1);
      events[event.event] = event;
      for (const waiter of waiters.filter((w) => w.kind === event.event)) waiter.resolve();
    }
  });
  const end = once(child, 'exit').then(async ([code]) => {
    clearTimeout(timer);
    if (code !== 0) throw new Error(`${name} exited ${code}: ${stderr.trim()}`);
    const cpu = await readCpuTimes(cpuFile);
    if (!cpu) throw new Error(`${name}: no CPU figures`);
    return { cpu, done: events.done, idle: events.idle };
  });
  const saw = (kind) => events[kind] ? Promise.resolve() : Promise.race([
    new Promise((resolve) => waiters.push({ kind, resolve })),
    end.then(() => { throw new Error(`${name} exited before ${kind}`); }),
  ]);
  return { saw, end };
}

/** A TCP port free on loopback now. */
async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

function median(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Each build's medians and their ratios to the first build's. */
function summary(results) {
  const keys = ['servePerGiB', 'receivePerGiB', 'totalPerGiB', 'systemPerGiB', 'waitsPerMiB', 'preemptionsPerMiB', 'seconds'];
  const medians = results.map((runsOfBuild) => Object.fromEntries(keys.map((key) => [key, median(runsOfBuild.map((r) => r[key]))])));
  return {
    summary: true, fileBytes, leechers: leecherCount, runs,
    builds: bins.map((bin, i) => ({ build: bin, ...medians[i],
      ratioToFirst: Object.fromEntries(keys.map((key) => [key, medians[i][key] / medians[0][key]])) })),
  };
}
