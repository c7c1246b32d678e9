/**
 * The fuzz properties of the tracker answer decoder, run by test/fuzz/tracker-codec.fuzz.test.ts
 * and `scripts/fuzz-wire.js`: parseAnnounceResponse never throws, and what it returns is well
 * formed: at most `maxPeers` distinct, canonical, dialable peers, intervals in range, tracker text
 * printable and capped.
 *
 * Test support, never loaded by the programs. Pure: no I/O.
 */
import fc from 'fast-check';
import { canonicalIp, isDialable } from '../peer-sources/compact-peers.js';
import {
  MAX_INTERVAL_SECONDS, MAX_TRACKER_TEXT_CHARS, MIN_INTERVAL_SECONDS, parseAnnounceResponse, type TrackerAnswer,
} from '../peer-sources/tracker-codec.js';
import { fuzzProperty, type FuzzProperty } from './fuzz-property.js';
import { hostileAnswer, maxPeersArbitrary } from './tracker-arbitraries.js';

const UNPRINTABLE_RE = /[\p{C}\n\r\t]/u;

function textProblem(name: string, text: string | null): string | null {
  if (text === null) return null;
  if (Array.from(text).length > MAX_TRACKER_TEXT_CHARS) return `${name} of ${text.length} characters`;
  if (text === '' || UNPRINTABLE_RE.test(text)) return `${name} ${JSON.stringify(text)} is not printable text`;
  return null;
}

function intervalProblem(seconds: number | null, nullable: boolean): string | null {
  if (seconds === null) return nullable ? null : 'interval null';
  if (!Number.isInteger(seconds) || seconds < MIN_INTERVAL_SECONDS || seconds > MAX_INTERVAL_SECONDS) return `interval ${seconds}`;
  return null;
}

/** What is wrong with `answer` for a cap of `maxPeers`, or null when it is well formed. */
export function trackerAnswerProblem(answer: TrackerAnswer, maxPeers: number): string | null {
  if (answer.kind === 'invalid') return answer.message === '' ? 'an invalid answer without a message' : null;
  if (answer.kind === 'failure') return textProblem('failure reason', answer.reason);
  if (answer.kind !== 'peers') return `kind ${String((answer as { kind: unknown }).kind)}`;
  if (answer.peers.length > maxPeers) return `${answer.peers.length} peers, over the cap of ${maxPeers}`;
  const keys = new Set(answer.peers.map((peer) => `${peer.address}|${peer.port}`));
  if (keys.size !== answer.peers.length) return 'duplicate peers';
  const bad = answer.peers.find((peer) => canonicalIp(peer.address) !== peer.address || !isDialable(peer));
  if (bad !== undefined) return `peer ${JSON.stringify(bad)} is not a canonical dialable address`;
  for (const count of [answer.complete, answer.incomplete]) {
    if (count !== null && (!Number.isSafeInteger(count) || count < 0)) return `count ${count}`;
  }
  return intervalProblem(answer.intervalSeconds, false) ?? intervalProblem(answer.minIntervalSeconds, true)
    ?? textProblem('warning', answer.warning);
}

/** parseAnnounceResponse never throws and returns a well-formed answer; returns whether it was not `invalid`. */
export function checkParseAnnounceResponse([body, maxPeers]: readonly [Uint8Array, number]): boolean {
  const answer = parseAnnounceResponse(body, maxPeers);
  const problem = trackerAnswerProblem(answer, maxPeers);
  if (problem !== null) throw new Error(`parseAnnounceResponse returned a malformed answer: ${problem}`);
  return answer.kind !== 'invalid';
}

/** The tracker answer decoder's fuzz properties. */
export const TRACKER_FUZZ_PROPERTIES: readonly FuzzProperty[] = [
  fuzzProperty(
    'parseAnnounceResponse never throws; answers are well formed and capped',
    fc.tuple(hostileAnswer, maxPeersArbitrary), checkParseAnnounceResponse, 0.2,
  ),
];
