#!/usr/bin/env node
// Benchmark: the cost of a Prometheus scrape of a real swarm-server that holds many files.
//
//   npm run build && node scripts/bench-scrape.js [--files 100] [--file-size 64KiB] [--scrapes 300]
//
// Starts one loopback origin per file (distinct content, each publishing its MD5), a swarm-server
// on a fresh storage directory with --metrics-address on loopback (peers on loopback, no
// broadcast), makes it fetch every file through the control socket (POST /downloads, wait), then
// times GET /metrics --scrapes times on one keep-alive connection, each followed by a GET of an
// unknown path (404) on the same connection: the HTTP round trip alone, so the ratio of the two
// medians is the scrape's own cost, whatever the machine's noise. The same is measured first
// with one file held. Prints one JSON line per phase: files held, the medians and p95 of the
// scrape and of the round trip (ms), their ratio, and the scrape's body bytes.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent } from 'undici';
import { parseSize } from '../dist/config/size.js';
import { makeContent, startOrigin } from '../dist/testing/origin-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '100' },
    'file-size': { type: 'string', default: '64KiB' },
    scrapes: { type: 'string', default: '300' },
  },
});
const fileCount = Number(values.files);
const fileBytes = parseSize(values['file-size']);
const scrapes = Number(values.scrapes);
if (!(fileCount >= 1) || fileBytes === null || !(scrapes >= 1)) throw new Error('usage: --files N --file-size SIZE --scrapes N');

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];

/** POST /downloads {url, wait} on the control socket; resolves with the answer's JSON. */
function fetchThroughDaemon(socketPath, url) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ url, wait: true });
    const req = request({ socketPath, path: '/downloads', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`POST /downloads ${url}: ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Fetches `urls` through the daemon, `parallel` at a time. */
async function fetchAll(socketPath, urls, parallel = 8) {
  const queue = [...urls];
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let url = queue.shift(); url !== undefined; url = queue.shift()) await fetchThroughDaemon(socketPath, url);
  }));
}

/** Times `scrapes` GET /metrics, each followed by a GET of a 404 path, on one keep-alive connection. */
async function measure(metricsAddress, held) {
  const dispatcher = new Agent({ connections: 1 });
  const get = async (path) => {
    const started = performance.now();
    const res = await dispatcher.request({ origin: `http://${metricsAddress}`, path, method: 'GET' });
    const body = await res.body.text();
    return { ms: performance.now() - started, status: res.statusCode, bytes: Buffer.byteLength(body), body };
  };
  const scrape = [];
  const roundTrip = [];
  let bytes = 0;
  // Warm-up: the connection, and the code paths of both answers.
  for (let i = 0; i < 10; i++) {
    await get('/metrics');
    await get('/nothing');
  }
  for (let i = 0; i < scrapes; i++) {
    const metrics = await get('/metrics');
    if (metrics.status !== 200) throw new Error(`GET /metrics answered ${metrics.status}`);
    const files = /^swarm_files\{state="complete"\} (\d+)$/m.exec(metrics.body)?.[1];
    if (Number(files) !== held) throw new Error(`the scrape says ${files} complete files, not ${held}`);
    scrape.push(metrics.ms);
    bytes = metrics.bytes;
    roundTrip.push((await get('/nothing')).ms);
  }
  await dispatcher.close();
  const round = (ms) => Math.round(ms * 1000) / 1000;
  return {
    files: held,
    scrapes,
    scrapeMedianMs: round(quantile(scrape, 0.5)),
    scrapeP95Ms: round(quantile(scrape, 0.95)),
    roundTripMedianMs: round(quantile(roundTrip, 0.5)),
    roundTripP95Ms: round(quantile(roundTrip, 0.95)),
    medianRatio: round(quantile(scrape, 0.5) / quantile(roundTrip, 0.5)),
    scrapeBytes: bytes,
  };
}

const dir = await mkdtemp(join(tmpdir(), 'swarm-bench-scrape-'));
const origins = [];
let daemon = null;
try {
  for (let i = 0; i < fileCount; i++) origins.push(await startOrigin({ content: makeContent(fileBytes, 1000 + i), seed: 1000 + i }));
  const socketPath = join(dir, 'control.sock');
  daemon = spawn(process.execPath, [join(root, 'bin/swarm-server.js'), '--storage-directory', join(dir, 'store'), '--control-socket', socketPath,
    '--json', '--metrics-address', '127.0.0.1:0', '--bind-address', '127.0.0.1', '--no-broadcast'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = await new Promise((resolve, reject) => {
    createInterface({ input: daemon.stdout }).on('line', (line) => {
      const event = JSON.parse(line);
      if (event.event === 'ready') resolve(event);
    });
    daemon.once('exit', (code) => reject(new Error(`swarm-server exited ${code} before it was ready`)));
  });
  const [first, ...rest] = origins.map((origin) => origin.url);
  await fetchAll(socketPath, [first]);
  console.log(JSON.stringify(await measure(ready.metricsAddress, 1)));
  await fetchAll(socketPath, rest);
  console.log(JSON.stringify(await measure(ready.metricsAddress, fileCount)));
} finally {
  if (daemon !== null && daemon.exitCode === null) {
    daemon.kill('SIGTERM');
    await once(daemon, 'exit');
  }
  await Promise.all(origins.map((origin) => origin.close()));
  await rm(dir, { recursive: true, force: true });
}
