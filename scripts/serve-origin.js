#!/usr/bin/env node
// A loopback-style test origin as a process of its own (for hosts in network namespaces):
//   node scripts/serve-origin.js --file PATH [--host 0.0.0.0] [--rate BYTES_PER_SECOND]
// Prints {"port": N} on stdout when listening; on SIGTERM prints {"bodyBytes": N, ...} and exits.
import { parseArgs } from 'node:util';
import { startOrigin } from '../dist/testing/origin-server.js';

const { values } = parseArgs({ options: { file: { type: 'string' }, host: { type: 'string', default: '0.0.0.0' }, rate: { type: 'string' } } });
if (!values.file) throw new Error('usage: serve-origin.js --file PATH [--host ADDRESS] [--rate BYTES_PER_SECOND]');
const faults = values.rate === undefined ? {} : { faults: { rateBytesPerSec: Number(values.rate) } };
const origin = await startOrigin({ content: { path: values.file }, host: values.host, ...faults });
console.log(JSON.stringify({ port: Number(new URL(origin.url).port) }));
process.on('SIGTERM', () => {
  console.log(JSON.stringify(origin.stats, ['requests', 'headRequests', 'getRequests', 'bodyBytes']));
  if (process.env.SWARM_ORIGIN_RANGES) console.error(JSON.stringify(origin.stats.ranges));
  void origin.close().then(() => process.exit(0));
});
