#!/usr/bin/env node
// Benchmark: swarm-download against `curl -o` followed by `md5sum`, from one loopback origin,
// run alternately in one go so machine noise hits both alike.
//
//   node scripts/bench-download.js [--size 1GiB] [--runs 5] [--connections 4] [--no-discovery]
//                                  [--baseline DIR]
//
// With --baseline, the swarm-download of another checkout (DIR, built) runs in each round too,
// and the summary adds the median ratio of this checkout's time to it.
// Prints one JSON line per run and a summary line: median wall seconds of each, the median of
// the per-pair ratios swarm/curl, and swarm-download's peak RSS (from its `done` event).
// Before each timed command the page cache's dirty pages are written out (`sync`, not timed), so
// no command pays for the writeback of the one before it.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseSize } from '../dist/config/size.js';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { writeRandomFile } from '../dist/testing/random-file.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1GiB' },
    runs: { type: 'string', default: '5' },
    connections: { type: 'string', default: '4' },
    'no-discovery': { type: 'boolean', default: false },
    baseline: { type: 'string' },
  },
});
const size = parseSize(values.size);
const runs = Number(values.runs);
if (size === null || !(runs >= 1)) throw new Error('usage: --size SIZE --runs N');

function timed(command, args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (data) => { stdout += data; });
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) reject(new Error(`${command} exited ${code}`));
      else resolve({ seconds, stdout });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One timed swarm-download of the checkout at `checkout` into a fresh storage directory. */
async function swarmDownload(checkout, url, run) {
  const storage = join(dir, `storage-${run}`);
  const swarmOut = join(dir, 'swarm.bin');
  execFileSync('sync');
  const swarm = await timed(process.execPath, [join(checkout, 'bin/swarm-download.js'), url, '-o', swarmOut,
    '--storage-directory', storage, '--connections', values.connections, '--json',
    ...(values['no-discovery'] ? ['--no-discovery'] : ['--broadcast-address', '127.255.255.255'])]);
  const done = swarm.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line)).find((e) => e.event === 'done');
  await rm(storage, { recursive: true, force: true });
  await rm(swarmOut, { force: true });
  return { seconds: swarm.seconds, done };
}

const dir = await mkdtemp(join(tmpdir(), 'swarm-bench-'));
try {
  const source = join(dir, 'source.bin');
  await writeRandomFile(source, size);
  // The origin is a process of its own, as a real one is a server of its own: its event loop and
  // its garbage are not the harness's.
  const originProcess = spawn(process.execPath, [join(root, 'scripts/serve-origin.js'), '--file', source, '--host', '127.0.0.1'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const [firstLine] = await once(createInterface({ input: originProcess.stdout }), 'line');
  const origin = { url: `http://127.0.0.1:${JSON.parse(firstLine).port}/file.bin` };
  const rows = [];
  for (let run = 0; run < runs; run++) {
    const curlOut = join(dir, 'curl.bin');
    execFileSync('sync');
    const curl = await timed('sh', ['-c', `curl -sf -o "${curlOut}" "${origin.url}" && md5sum "${curlOut}" >/dev/null`]);
    await rm(curlOut, { force: true });
    const { seconds: swarmSeconds, done } = await swarmDownload(root, origin.url, run);
    const baseline = values.baseline === undefined ? null : await swarmDownload(values.baseline, origin.url, run);
    const row = { run, sizeBytes: size, curlMd5sumSeconds: curl.seconds, swarmSeconds,
      ratio: swarmSeconds / curl.seconds, swarmMaxRssMB: Math.round(done.maxRssBytes / 2 ** 20),
      ...(baseline ? { baselineSeconds: baseline.seconds, ratioToBaseline: swarmSeconds / baseline.seconds } : {}) };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  originProcess.kill('SIGTERM');
  await once(originProcess, 'close');
  console.log(JSON.stringify({
    summary: true, sizeBytes: size, runs,
    medianCurlMd5sumSeconds: median(rows.map((r) => r.curlMd5sumSeconds)),
    medianSwarmSeconds: median(rows.map((r) => r.swarmSeconds)),
    medianRatio: median(rows.map((r) => r.ratio)),
    peakSwarmMaxRssMB: Math.max(...rows.map((r) => r.swarmMaxRssMB)),
    ...(values.baseline === undefined ? {} : {
      medianBaselineSeconds: median(rows.map((r) => r.baselineSeconds)),
      medianRatioToBaseline: median(rows.map((r) => r.ratioToBaseline)),
    }),
  }));
} finally {
  await rm(dir, { recursive: true, force: true });
}
