#!/usr/bin/env node
// The built-in demo: a local origin on loopback serves a generated file with its MD5, and a real
// `swarm-download` fetches it, showing what a user sees. Nothing leaves this machine.
//
//   npm run demo [-- --size 256MiB --rate 64MB/s]
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatBytes, parseRate, parseSize } from '../dist/config/size.js';
import { makeContent, startOrigin } from '../dist/testing/origin-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { size: { type: 'string', default: '256MiB' }, rate: { type: 'string', default: '64MB/s' } } });
const size = parseSize(values.size);
const rate = parseRate(values.rate);
if (size === null || rate === null) throw new Error('usage: npm run demo -- --size 256MiB --rate 64MB/s');

const dir = await mkdtemp(join(tmpdir(), 'swarm-demo-'));
const content = makeContent(size, 42);
const origin = await startOrigin({ content, faults: { rateBytesPerSec: rate } });
console.log(`demo origin: ${origin.url} serves ${formatBytes(size)} at ${values.rate}, with its MD5 in Content-MD5`);
const output = join(dir, 'demo.bin');
const args = [join(root, 'bin/swarm-download.js'), origin.url, '-o', output, '--storage-directory', join(dir, 'cache'), '--broadcast-address', '127.255.255.255'];
console.log(`$ swarm-download ${origin.url} -o ${output}`);
const code = await new Promise((resolve) => spawn(process.execPath, args, { stdio: 'inherit' }).on('close', resolve));
const same = code === 0 && createHash('md5').update(await readFile(output)).digest('hex') === createHash('md5').update(content).digest('hex');
console.log(`exit code ${code}; ${same ? 'the file matches the origin byte for byte' : 'the file is missing or differs'}; origin sent ${formatBytes(origin.stats.bodyBytes)} in ${origin.stats.getRequests} ranged GETs`);
await origin.close();
await rm(dir, { recursive: true, force: true });
process.exitCode = same ? 0 : 1;
