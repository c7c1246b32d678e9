#!/usr/bin/env node
// The built-in demo: a local origin on loopback serves a generated file with its MD5, and several
// real `swarm-download` processes fetch it at once as a swarm (discovery by broadcast on
// 127.255.255.255, pieces over TCP on 127.0.0.1). Nothing leaves this machine.
// The first host's progress is shown; at the end, each host's bytes from the origin and from
// peers, and the origin's total egress as a multiple of the file size.
//
//   npm run demo [-- --hosts 4 --size 256MiB --rate 100MB/s]
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatBytes, parseRate, parseSize } from '../dist/config/size.js';
import { makeContent, startOrigin } from '../dist/testing/origin-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: {
  hosts: { type: 'string', default: '4' },
  size: { type: 'string', default: '256MiB' },
  rate: { type: 'string', default: '100MB/s' },
} });
const hosts = Number(values.hosts);
const size = parseSize(values.size);
const rate = parseRate(values.rate);
if (!(hosts >= 1 && hosts <= 16) || size === null || rate === null) {
  throw new Error('usage: npm run demo -- --hosts 4 --size 256MiB --rate 100MB/s');
}

const dir = await mkdtemp(join(tmpdir(), 'swarm-demo-'));
const content = makeContent(size, 42);
const expected = createHash('md5').update(content).digest('hex');
const origin = await startOrigin({ content, faults: { rateBytesPerSec: rate } });
const discoveryPort = String(20_000 + Math.floor(Math.random() * 40_000));
console.log(`demo origin ${origin.url}: ${formatBytes(size)} at ${values.rate}, MD5 in Content-MD5`);
console.log(`${hosts} hosts run: swarm-download ${origin.url} --seed-until-idle --idle-timeout 2 (loopback broadcast only)\n`);

function host(index) {
  const output = join(dir, `host-${index}.bin`);
  const args = [join(root, 'bin/swarm-download.js'), origin.url, '-o', output, '--storage-directory', join(dir, `cache-${index}`),
    '--broadcast-address', '127.255.255.255', '--discovery-port', discoveryPort, '--seed-until-idle', '--idle-timeout', '2'];
  // Host 0 shows what a person sees; the others report JSON events we summarise.
  const child = spawn(process.execPath, index === 0 ? args : [...args, '--json'], { stdio: ['ignore', index === 0 ? 'inherit' : 'pipe', 'inherit'] });
  let done = null;
  if (index > 0) createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line);
    if (event.event === 'done') done = event;
  });
  return new Promise((resolve) => child.on('close', async (code) => {
    const same = code === 0 && createHash('md5').update(await readFile(output)).digest('hex') === expected;
    resolve({ index, code, same, done });
  }));
}

const results = await Promise.all(Array.from({ length: hosts }, (_, index) => host(index)));
console.log('');
for (const r of results) {
  const source = r.done ? `origin ${formatBytes(r.done.originBytes)}, peers ${formatBytes(r.done.peerBytes)}` : '(shown above)';
  console.log(`host ${r.index}: exit ${r.code}, ${r.same ? 'verified byte for byte' : 'MISSING OR DIFFERENT'}; ${source}`);
}
const egress = origin.stats.bodyBytes / size;
console.log(`origin egress: ${formatBytes(origin.stats.bodyBytes)} = ${egress.toFixed(2)}x the file for ${hosts} hosts (plain downloads: ${hosts}x)`);
await origin.close();
await rm(dir, { recursive: true, force: true });
process.exitCode = results.every((r) => r.same) ? 0 : 1;
