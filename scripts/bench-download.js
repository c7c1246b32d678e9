#!/usr/bin/env node
// Benchmark: swarm-download against `curl -o` followed by `md5sum`, from one loopback origin,
// run alternately in one go so machine noise hits both alike.
//
//   node scripts/bench-download.js [--size 1GiB] [--runs 5] [--connections 4] [--no-discovery]
//
// Prints one JSON line per run and a summary line: median wall seconds of each, the median of
// the per-pair ratios swarm/curl, and swarm-download's peak RSS (from its `done` event).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseSize } from '../dist/config/size.js';
import { startOrigin } from '../dist/testing/origin-server.js';
import { writeRandomFile } from '../dist/testing/random-file.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1GiB' },
    runs: { type: 'string', default: '5' },
    connections: { type: 'string', default: '4' },
    'no-discovery': { type: 'boolean', default: false },
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

const dir = await mkdtemp(join(tmpdir(), 'swarm-bench-'));
try {
  const source = join(dir, 'source.bin');
  await writeRandomFile(source, size);
  const origin = await startOrigin({ content: { path: source } });
  const rows = [];
  for (let run = 0; run < runs; run++) {
    const curlOut = join(dir, 'curl.bin');
    const curl = await timed('sh', ['-c', `curl -sf -o "${curlOut}" "${origin.url}" && md5sum "${curlOut}" >/dev/null`]);
    await rm(curlOut, { force: true });
    const storage = join(dir, `storage-${run}`);
    const swarmOut = join(dir, 'swarm.bin');
    const swarm = await timed(process.execPath, [join(root, 'bin/swarm-download.js'), origin.url, '-o', swarmOut,
      '--storage-directory', storage, '--connections', values.connections, '--json',
      ...(values['no-discovery'] ? ['--no-discovery'] : ['--broadcast-address', '127.255.255.255'])]);
    const done = swarm.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line)).find((e) => e.event === 'done');
    await rm(storage, { recursive: true, force: true });
    await rm(swarmOut, { force: true });
    const row = { run, sizeBytes: size, curlMd5sumSeconds: curl.seconds, swarmSeconds: swarm.seconds,
      ratio: swarm.seconds / curl.seconds, swarmMaxRssMB: Math.round(done.maxRssBytes / 2 ** 20) };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  await origin.close();
  console.log(JSON.stringify({
    summary: true, sizeBytes: size, runs,
    medianCurlMd5sumSeconds: median(rows.map((r) => r.curlMd5sumSeconds)),
    medianSwarmSeconds: median(rows.map((r) => r.swarmSeconds)),
    medianRatio: median(rows.map((r) => r.ratio)),
    peakSwarmMaxRssMB: Math.max(...rows.map((r) => r.swarmMaxRssMB)),
  }));
} finally {
  await rm(dir, { recursive: true, force: true });
}
