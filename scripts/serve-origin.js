#!/usr/bin/env node
// A loopback-style test origin as a process of its own (for hosts in network namespaces):
//   node scripts/serve-origin.js --file PATH [--host 0.0.0.0]
// Prints {"port": N} on stdout when listening; on SIGTERM prints {"bodyBytes": N, ..., "bodies": [...]}
// (every body sent: startMs, endMs, client, offset, sentBytes) and exits.
import { parseArgs } from 'node:util';
import { startOrigin } from '../dist/testing/origin-server.js';

const { values } = parseArgs({ options: { file: { type: 'string' }, host: { type: 'string', default: '0.0.0.0' } } });
if (!values.file) throw new Error('usage: serve-origin.js --file PATH [--host ADDRESS]');
const origin = await startOrigin({ content: { path: values.file }, host: values.host });
console.log(JSON.stringify({ port: Number(new URL(origin.url).port) }));
process.on('SIGTERM', () => {
  console.log(JSON.stringify(origin.stats, ['requests', 'headRequests', 'getRequests', 'bodyBytes', 'bodies', 'startMs', 'endMs', 'client', 'offset', 'sentBytes']));
  if (process.env.SWARM_ORIGIN_RANGES) console.error(JSON.stringify(origin.stats.ranges));
  void origin.close().then(() => process.exit(0));
});
