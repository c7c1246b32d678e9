#!/usr/bin/env node
// Fuzz of the wire and discovery decoders against the build in dist/ (run `npm run build`
// first): the properties of test/fuzz/*.fuzz.test.ts with many more cases: frames, payloads,
// the handshake and the hello, the announce and the authenticated announce.
//
//   node scripts/fuzz-wire.js [--runs 100000] [--seed N]
//
// Prints one line per property and a total line `cases: N, failures: F`; exits 1 on a failure,
// after printing the counterexample and the seed that reproduces it.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { MAX_BLOCK_BYTES, MAX_FETCHING_RUNS, MessageId, decodePayload, encodeMessage } from '../dist/wire/codec.js';
import { FrameDecoder } from '../dist/wire/frame-decoder.js';
import { decodeHandshake, decodeHello, encodeHandshake, encodeHello } from '../dist/wire/handshake.js';
import { decodeAnnounce, encodeAnnounce } from '../dist/discovery/announce-codec.js';
import { openAnnounce, sealAnnounce } from '../dist/discovery/announce-auth.js';
import { WireError } from '../dist/wire/wire-error.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '100000' }, seed: { type: 'string' } },
});
const numRuns = Number(values.runs);
const seed = values.seed === undefined ? Date.now() ^ (Math.random() * 0x100000000) : Number(values.seed);
if (!Number.isSafeInteger(numRuns) || numRuns < 1 || !Number.isSafeInteger(seed)) {
  throw new Error(`usage: --runs N (positive integer) --seed N, got runs=${values.runs} seed=${values.seed}`);
}

// ---- arbitraries (mirror test/unit/wire/wire-arbitraries.ts) ----
const KNOWN_IDS = new Set(Object.values(MessageId));
const u32 = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 1, 0xfffffffe, 0xffffffff));
const blockRef = fc.record({ piece: u32, begin: u32, length: fc.integer({ min: 1, max: MAX_BLOCK_BYTES }) });
const run = fc.tuple(u32, u32).filter(([a, b]) => a !== b)
  .map(([a, b]) => ({ startPiece: Math.min(a, b), endPiece: Math.max(a, b) }));
const wireMessage = fc.oneof(
  fc.constantFrom({ type: 'keep-alive' }, { type: 'choke' }, { type: 'unchoke' }, { type: 'interested' }, { type: 'not-interested' }),
  u32.map((piece) => ({ type: 'have', piece })),
  fc.uint8Array({ maxLength: 40 }).map((bytes) => ({ type: 'bitfield', bytes })),
  blockRef.map((ref) => ({ type: 'request', ...ref })),
  blockRef.map((ref) => ({ type: 'cancel', ...ref })),
  blockRef.map((ref) => ({ type: 'reject', ...ref })),
  fc.record({ piece: u32, begin: u32, block: fc.uint8Array({ minLength: 1, maxLength: 40 }) }).map((m) => ({ type: 'piece', ...m })),
  fc.oneof(fc.array(run, { maxLength: 8 }), fc.array(run, { minLength: MAX_FETCHING_RUNS, maxLength: MAX_FETCHING_RUNS }))
    .map((runs) => ({ type: 'fetching', runs })),
  fc.integer({ min: 0, max: 255 }).filter((id) => !KNOWN_IDS.has(id)).map((id) => ({ type: 'unknown', id })),
);

function withRunCount(body) {
  const out = Buffer.from(body);
  out.writeUInt16BE(Math.floor((body.length - 2) / 8), 0);
  return out;
}

const soupFrame = fc.record({
  id: fc.oneof(fc.constantFrom(...KNOWN_IDS), fc.integer({ min: 0, max: 255 })),
  body: fc.oneof(fc.uint8Array({ maxLength: 24 }), fc.uint8Array({ minLength: 2, maxLength: 40 }).map(withRunCount)),
  prefix: fc.oneof(
    { weight: 6, arbitrary: fc.constant(-1) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 64 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
  ),
  truncate: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
}).map(({ id, body, prefix, truncate }) => {
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt32BE(prefix === -1 ? 1 + body.length : prefix, 0);
  frame[4] = id;
  frame.set(body, 5);
  return truncate ? frame.subarray(0, 4) : frame;
});

const hostileStream = fc.oneof(
  fc.array(soupFrame, { maxLength: 8 }).map((frames) => Buffer.concat(frames)),
  fc.tuple(fc.array(wireMessage, { minLength: 1, maxLength: 6 }), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 4 }))
    .map(([messages, flips]) => {
      const bytes = Buffer.concat(messages.map((m) => encodeMessage(m)));
      for (const [at, value] of flips) bytes[at % bytes.length] = value;
      return bytes;
    }),
  fc.uint8Array({ maxLength: 200 }),
);

const hostileHandshake = fc.oneof(
  fc.tuple(fc.uint8Array({ minLength: 52, maxLength: 52 }), fc.array(fc.tuple(fc.nat({ max: 79 }), fc.nat({ max: 255 })), { maxLength: 3 }))
    .map(([ids, flips]) => {
      const bytes = encodeHandshake({ swarmId: ids.subarray(0, 32), peerId: ids.subarray(32) });
      for (const [at, value] of flips) bytes[at] = value;
      return bytes;
    }),
  fc.uint8Array({ minLength: 78, maxLength: 82 }),
);

const flips = (max) => fc.array(fc.tuple(fc.nat({ max }), fc.nat({ max: 255 })), { maxLength: 3 });

function flipped(bytes, changes) {
  const out = Buffer.from(bytes);
  for (const [at, value] of changes) out[at % out.length] = value;
  return out;
}

const hostileHello = fc.oneof(
  fc.tuple(fc.uint8Array({ minLength: 84, maxLength: 84 }), flips(111))
    .map(([ids, changes]) => flipped(encodeHello({ swarmId: ids.subarray(0, 32), peerId: ids.subarray(32, 52), nonce: ids.subarray(52) }), changes)),
  fc.uint8Array({ minLength: 78, maxLength: 114 }),
);

const announceFields = fc.record({
  peerId: fc.uint8Array({ minLength: 20, maxLength: 20 }),
  tcpPort: fc.integer({ min: 1, max: 65535 }),
  swarmIds: fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 32 }),
});

const hostileAnnounce = fc.oneof(
  fc.tuple(announceFields, flips(1100)).map(([fields, changes]) => flipped(encodeAnnounce(fields), changes)),
  fc.tuple(announceFields, fc.nat()).map(([fields, cut]) => { const bytes = encodeAnnounce(fields); return bytes.subarray(0, cut % (bytes.length + 1)); }),
  fc.uint8Array({ maxLength: 1300 }),
);

const AUTH_KEY = Buffer.alloc(32, 0x5c);
const hostileSealed = fc.oneof(
  fc.tuple(announceFields, fc.nat({ max: 2 ** 48 }), fc.uint8Array({ minLength: 8, maxLength: 8 }), flips(1200), fc.boolean())
    .map(([fields, timestampMs, nonce, changes, flip]) => {
      const sealed = sealAnnounce(encodeAnnounce(fields), AUTH_KEY, timestampMs, nonce);
      return flip ? flipped(sealed, changes) : sealed;
    }),
  fc.uint8Array({ maxLength: 1300 }),
);

const cuts = fc.array(fc.nat(), { maxLength: 16 });

function splitAt(bytes, cutPoints) {
  const points = [...new Set(cutPoints.map((cut) => (bytes.length === 0 ? 0 : cut % bytes.length)))].sort((a, b) => a - b);
  const chunks = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  return chunks;
}

/** Feeds chunks, draining after each; throws on anything but a WireError or a broken memory bound. */
function feed(maxFrameBytes, chunks) {
  const decoder = new FrameDecoder({ maxFrameBytes });
  for (const chunk of chunks) {
    decoder.push(chunk);
    if (decoder.bufferedBytes > maxFrameBytes + chunk.length) throw new Error(`bufferedBytes ${decoder.bufferedBytes} over the bound`);
    try {
      while (decoder.next() !== null);
    } catch (err) {
      if (err instanceof WireError) return;
      throw err;
    }
    if (decoder.bufferedBytes >= Math.max(maxFrameBytes, 4)) throw new Error(`bufferedBytes ${decoder.bufferedBytes} after draining`);
  }
}

// ---- properties ----
const properties = {
  'FrameDecoder on hostile streams cut anywhere': fc.property(
    fc.integer({ min: 13, max: 300 }), hostileStream, cuts,
    (maxFrameBytes, bytes, cutPoints) => feed(maxFrameBytes, splitAt(bytes, cutPoints)),
  ),
  'decodePayload never throws; accepted payloads are canonical': fc.property(hostileStream, (bytes) => {
    const payload = bytes.subarray(4);
    const decoded = decodePayload(payload);
    if (decoded instanceof WireError || decoded.type === 'unknown' || decoded.type === 'keep-alive') return true;
    return encodeMessage(decoded).subarray(4).equals(payload);
  }),
  'decodeHandshake never throws; accepts only an intact header': fc.property(hostileHandshake, (bytes) => {
    const intact = bytes.length === 80 && Buffer.from(bytes.subarray(0, 20)).toString('latin1') === '\x13swarm-wire/1       ';
    return (decodeHandshake(bytes) instanceof WireError) === !intact;
  }),
  'decodeHello never throws; accepts only 112 bytes of an intact header with the auth bit': fc.property(hostileHello, (bytes) => {
    const intact = bytes.length === 112 && Buffer.from(bytes.subarray(0, 20)).toString('latin1') === '\x13swarm-wire/1       ' && (bytes[27] & 1) === 1;
    const decoded = decodeHello(bytes);
    return (decoded instanceof WireError) === !intact && (intact ? encodeHello(decoded).subarray(0, 20).equals(bytes.subarray(0, 20)) : true);
  }),
  'decodeAnnounce never throws; accepted packets re-encode to the same bytes': fc.property(hostileAnnounce, (bytes) => {
    const announce = decodeAnnounce(bytes);
    return announce === null || encodeAnnounce(announce).equals(Buffer.from(bytes));
  }),
  'openAnnounce never throws; accepts exactly the untouched sealed packets': fc.property(hostileSealed, (bytes) => {
    const opened = openAnnounce(bytes, AUTH_KEY);
    if (opened === null) return true;
    return sealAnnounce(encodeAnnounce(opened.announce), AUTH_KEY, opened.timestampMs, bytes.subarray(bytes.length - 40, bytes.length - 32)).equals(Buffer.from(bytes));
  }),
};

let cases = 0;
let failures = 0;
for (const [name, property] of Object.entries(properties)) {
  const startedMs = performance.now();
  const details = fc.check(property, { numRuns, seed });
  cases += details.numRuns;
  const seconds = ((performance.now() - startedMs) / 1000).toFixed(1);
  console.log(`${name}: cases: ${details.numRuns}, failures: ${details.failed ? 1 : 0} (${seconds} s)`);
  if (details.failed) {
    failures++;
    console.log(fc.defaultReportMessage(details));
  }
}
console.log(`seed: ${seed}`);
console.log(`cases: ${cases}, failures: ${failures}`);
process.exitCode = failures === 0 ? 0 : 1;
