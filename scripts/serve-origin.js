#!/usr/bin/env node
// A loopback-style test origin as a process of its own (for hosts in network namespaces):
//   node scripts/serve-origin.js --file PATH [--host 0.0.0.0] [--rate BYTES_PER_SECOND]
// Prints {"port": N} on stdout when listening; on SIGTERM prints {"bodyBytes": N, ..., "bodies": [...]}
// (every body sent: startMs, endMs, client, offset, sentBytes) and exits.
// SWARM_ORIGIN_RANGES=1: on SIGTERM, also every GET's Range header on stderr, in arrival order.
// SWARM_ORIGIN_LOG=1: each request as it arrives on stderr, one JSON line:
//   {"originLog": true, "ms": Date.now(), "from": client address, "method", "range"}
import { parseArgs } from 'node:util';
import { startOrigin } from '../dist/testing/origin-server.js';

const { values } = parseArgs({ options: { file: { type: 'string' }, host: { type: 'string', default: '0.0.0.0' }, rate: { type: 'string' } } });
if (!values.file) throw new Error('usage: serve-origin.js --file PATH [--host ADDRESS] [--rate BYTES_PER_SECOND]');
const log = process.env.SWARM_ORIGIN_LOG ? (req) => {
  console.error(JSON.stringify({ originLog: true, ms: Date.now(), from: req.socket.remoteAddress, method: req.method, range: req.headers.range ?? null }));
} : undefined;
const faults = values.rate === undefined ? {} : { faults: { rateBytesPerSec: Number(values.rate) } };
const origin = await startOrigin({ content: { path: values.file }, host: values.host, ...faults, ...(log ? { onRequest: log } : {}) });
console.log(JSON.stringify({ port: Number(new URL(origin.url).port) }));
process.on('SIGTERM', () => {
  console.log(JSON.stringify(origin.stats, ['requests', 'headRequests', 'getRequests', 'bodyBytes', 'bodies', 'startMs', 'endMs', 'client', 'offset', 'sentBytes']));
  if (process.env.SWARM_ORIGIN_RANGES) console.error(JSON.stringify(origin.stats.ranges));
  void origin.close().then(() => process.exit(0));
});
