/**
 * fast-check arbitraries of tracker answers: well-formed ones with peers in every form (compact
 * IPv4, BEP 3's list, peers6) drawn from raw address bytes, and hostile ones: answers with bytes
 * flipped or cut off, random bencoded values, and noise. Shared by the property test, the fuzz
 * test and `scripts/fuzz-wire.js` (through dist/testing/).
 *
 * Test support, never loaded by the programs (fast-check is a devDependency). Pure: fast-check
 * draws the randomness from its own seed.
 */
import bencode, { type BencodeInput } from 'bencode';
import fc from 'fast-check';
import { encodeTrackerAnswer, type AnswerPeer, type TrackerAnswerFields } from './tracker-answers.js';
import { byteFlips, flipped } from './wire-arbitraries.js';

/** A peer drawn as its raw address bytes (4 or 16) and port, before it is written as text. */
export interface RawPeer {
  readonly ip: Uint8Array;
  readonly port: number;
}

/** A well-formed answer, the raw peers it lists under `peers` and `peers6`, and a peer cap. */
export interface AnswerCase {
  readonly fields: TrackerAnswerFields;
  /** IPv4 only when compact; IPv4 and IPv6 when BEP 3's list. */
  readonly peers: readonly RawPeer[];
  readonly peers6: readonly RawPeer[];
  readonly maxPeers: number;
}

/** Ports, with 0 and the edges more often than chance. */
const port = fc.oneof(fc.constantFrom(0, 1, 65535), fc.integer({ min: 0, max: 65535 }));

/** IPv4 bytes, with the special ranges (0/8, multicast, broadcast) more often than chance. */
const ipv4 = fc.oneof(
  fc.uint8Array({ minLength: 4, maxLength: 4 }),
  fc.constantFrom([0, 0, 0, 0], [255, 255, 255, 255], [224, 0, 0, 1], [127, 0, 0, 1], [10, 0, 0, 1]).map((b) => Uint8Array.from(b)),
);

/** IPv6 bytes, with ::, ::1, multicast and IPv4-mapped addresses more often than chance. */
const ipv6 = fc.oneof(
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
  fc.constantFrom(new Uint8Array(16), Uint8Array.from([...new Array<number>(15).fill(0), 1]), Uint8Array.from([0xff, 2, ...new Array<number>(13).fill(0), 1])),
  ipv4.map((v4) => Uint8Array.from([...new Array<number>(10).fill(0), 0xff, 0xff, ...v4])),
);

/** A few distinct peers repeated, so duplicates are common. */
function peers(ip: fc.Arbitrary<Uint8Array>): fc.Arbitrary<RawPeer[]> {
  return fc.array(fc.record({ ip, port }), { maxLength: 12 })
    .chain((pool) => (pool.length === 0 ? fc.constant([]) : fc.array(fc.constantFrom(...pool), { maxLength: 40 })));
}

/** IPv4 bytes as a dotted quad; IPv6 bytes as eight full groups in either case. */
export function ipText(ip: Uint8Array, upper = false): string {
  if (ip.length === 4) return Array.from(ip).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((ip[i] ?? 0) << 8) | (ip[i + 1] ?? 0)).toString(16));
  const text = groups.join(':');
  return upper ? text.toUpperCase() : text;
}

const asAnswerPeer = (peer: RawPeer): AnswerPeer => ({ address: ipText(peer.ip), port: peer.port });

/** Well-formed answers: compact or list `peers` (the list mixing IPv4 and IPv6), maybe `peers6`. */
export const answerCase: fc.Arbitrary<AnswerCase> = fc.record({
  list: fc.boolean(),
  upper: fc.boolean(),
  v4: peers(ipv4),
  listV6: peers(ipv6),
  v6: fc.option(peers(ipv6), { nil: undefined }),
  interval: fc.option(fc.oneof(fc.integer({ min: -10, max: 100_000 }), fc.constant(1e23)), { nil: undefined }),
  maxPeers: fc.integer({ min: 0, max: 60 }),
}).map(({ list, upper, v4, listV6, v6, interval, maxPeers }) => {
  const listed = list ? [...v4, ...listV6] : v4;
  const fields: TrackerAnswerFields = {
    ...(interval === undefined ? {} : { interval }),
    ...(list
      ? { peerList: listed.map((peer) => ({ ip: ipText(peer.ip, upper), port: peer.port })) }
      : { peers: v4.map(asAnswerPeer) }),
    ...(v6 === undefined ? {} : { peers6: v6.map(asAnswerPeer) }),
  };
  return { fields, peers: listed, peers6: v6 ?? [], maxPeers };
});

/** Any bencodable value, a few levels deep, with tracker keys more often than chance. */
const bencodeValue: fc.Arbitrary<BencodeInput> = fc.letrec<{ value: BencodeInput }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer(),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(
      fc.oneof(fc.constantFrom('peers', 'peers6', 'interval', 'min interval', 'failure reason', 'warning message', 'ip', 'port'), fc.string({ maxLength: 8 })),
      tie('value'),
      { maxKeys: 6 },
    ),
  ),
})).value;

/** Answers flipped or cut off, random bencoded values, and noise. */
export const hostileAnswer: fc.Arbitrary<Uint8Array> = fc.oneof(
  answerCase.map((c) => encodeTrackerAnswer(c.fields)),
  fc.tuple(answerCase, byteFlips(600, 3)).map(([c, changes]) => flipped(encodeTrackerAnswer(c.fields), changes)),
  fc.tuple(answerCase, fc.nat()).map(([c, cut]) => {
    const bytes = encodeTrackerAnswer(c.fields);
    return bytes.subarray(0, cut % (bytes.length + 1));
  }),
  bencodeValue.map((value) => Buffer.from(bencode.encode(value))),
  fc.uint8Array({ maxLength: 600 }),
);

/** A cap on peers for a hostile answer. */
export const maxPeersArbitrary: fc.Arbitrary<number> = fc.integer({ min: 0, max: 50 });
