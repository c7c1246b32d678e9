#!/usr/bin/env node
// Fuzz of the wire and discovery decoders against the build in dist/ (run `npm run build`
// first): the properties of test/fuzz/*.fuzz.test.ts (src/testing/*-fuzz-properties.ts) with many
// more cases: frames, payloads, the handshake and the hello, the announce and the authenticated
// announce, tracker answers, and the peer-address parsers (--peer, --peers-dns, --dns-server, isDialableAddress).
//
//   node scripts/fuzz-wire.js [--runs 100000] [--seed N]
//
// Prints one line per property and a total line `cases: N, failures: F`; exits 1 on a failure,
// after printing the counterexample and the seed that reproduces it.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ANNOUNCE_FUZZ_PROPERTIES } from '../dist/testing/announce-fuzz-properties.js';
import { TRACKER_FUZZ_PROPERTIES } from '../dist/testing/tracker-fuzz-properties.js';
import { PEER_ADDRESS_FUZZ_PROPERTIES } from '../dist/testing/peer-address-fuzz-properties.js';
import { WIRE_FUZZ_PROPERTIES } from '../dist/testing/wire-fuzz-properties.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '100000' }, seed: { type: 'string' } },
});
const numRuns = Number(values.runs);
const seed = values.seed === undefined ? Date.now() ^ (Math.random() * 0x100000000) : Number(values.seed);
if (!Number.isSafeInteger(numRuns) || numRuns < 1 || !Number.isSafeInteger(seed)) {
  throw new Error(`usage: --runs N (positive integer) --seed N, got runs=${values.runs} seed=${values.seed}`);
}

let cases = 0;
let failures = 0;
for (const property of [...WIRE_FUZZ_PROPERTIES, ...ANNOUNCE_FUZZ_PROPERTIES, ...TRACKER_FUZZ_PROPERTIES, ...PEER_ADDRESS_FUZZ_PROPERTIES]) {
  const startedMs = performance.now();
  const result = property.run({ numRuns, seed });
  cases += result.cases;
  const seconds = ((performance.now() - startedMs) / 1000).toFixed(1);
  console.log(`${property.name}: cases: ${result.cases}, failures: ${result.failure === null ? 0 : 1} (${seconds} s)`);
  if (result.failure !== null) {
    failures++;
    console.log(result.failure);
  }
}
console.log(`seed: ${seed}`);
console.log(`cases: ${cases}, failures: ${failures}`);
process.exitCode = failures === 0 ? 0 : 1;
