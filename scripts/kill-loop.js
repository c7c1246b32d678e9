#!/usr/bin/env node
// Crash safety: SIGKILLs swarm-download at random moments, again and again, in one storage
// directory, then lets a last run finish; checks the published file and the origin's egress.
// Loopback only: a local origin on 127.0.0.1, discovery broadcast to 127.255.255.255.
//
//   npm run build && node scripts/kill-loop.js [--kills 50 --size 64MiB --rate 1MB/s --piece 16KiB]
//
// Prints one JSON line per run and a summary: kills, whether the file verified, origin egress as
// a multiple of the file size (must be <= 1.2). Exit 0 when both hold, 1 otherwise.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseRate, parseSize } from '../dist/config/size.js';
import { runKillLoop } from '../dist/testing/kill-loop.js';
import { makeContent, startOrigin } from '../dist/testing/origin-server.js';

const { values } = parseArgs({ options: {
  kills: { type: 'string', default: '50' },
  size: { type: 'string', default: '64MiB' },
  rate: { type: 'string', default: '1MB/s' },
  piece: { type: 'string', default: '16KiB' },
  'max-kill-ms': { type: 'string', default: '1500' },
} });
const kills = Number(values.kills);
const size = parseSize(values.size);
const rate = parseRate(values.rate);
if (!(kills >= 1) || size === null || rate === null) throw new Error('usage: node scripts/kill-loop.js --kills 50 --size 32MiB --rate 1MB/s');

const dir = await mkdtemp(join(tmpdir(), 'swarm-kill-loop-'));
const content = makeContent(size, 77);
const origin = await startOrigin({ content, faults: { rateBytesPerSec: rate } });
const output = join(dir, 'file.bin');
const args = [
  origin.url, '-o', output, '--storage-directory', join(dir, 'store'), '--json',
  '--preferred-chunk-size', values.piece,
  '--broadcast-address', '127.255.255.255', '--discovery-port', String(20_000 + Math.floor(Math.random() * 40_000)),
];
const startedMs = Date.now();
try {
  const runs = await runKillLoop({
    args, kills, maxKillMs: Number(values['max-kill-ms']), finalTimeoutMs: 600_000,
    onRun: (run) => console.log(JSON.stringify({ ...run, originBodyBytes: origin.stats.bodyBytes })),
  });
  const last = runs.at(-1);
  const verified = last?.code === 0 && (await readFile(output).then((bytes) => bytes.equals(content), () => false));
  const killed = runs.filter((run) => run.signal === 'SIGKILL').length;
  const egress = origin.stats.bodyBytes / size;
  console.log(JSON.stringify({
    summary: true, kills: killed, runs: runs.length, verified, md5: createHash('md5').update(content).digest('hex'),
    originEgressMultiple: Number(egress.toFixed(3)), seconds: Math.round((Date.now() - startedMs) / 1000),
  }));
  process.exitCode = verified && egress <= 1.2 && killed >= Math.min(kills, 20) ? 0 : 1;
} finally {
  await origin.close();
  await rm(dir, { recursive: true, force: true });
}
