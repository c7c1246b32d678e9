/**
 * What the sources that resolve names (`fixed`, `dns`) share: turning an answer (lists of
 * addresses from a lookup or a resolver) into candidates, reading an error's code, and
 * remembering which warning was last given so each is given once.
 *
 * Pure: answers come in as values. Not responsible for: asking (the shells do), or dialling.
 */
import { isDialableAddress } from './peer-address.js';
import type { PeerCandidate } from './peer-source.js';

/** Candidates from one answer, and what was left out of it. */
export interface AddressAnswer {
  /** Dialable, deduplicated, in answer order, each with the port (swarmId and peerId null). */
  readonly candidates: PeerCandidate[];
  /** How many entries were read but dropped (not strings, not dialable IP literals). */
  readonly droppedCount: number;
  /** The first few dropped entries that were strings, for a warning. */
  readonly droppedSamples: readonly string[];
  /** Entries beyond `maxAddresses` were left unread. */
  readonly overCap: boolean;
  /** A part of the answer was not a list at all. */
  readonly malformed: boolean;
}

const MAX_DROPPED_SAMPLES = 3;
const MAX_SAMPLE_CHARS = 64;

/**
 * Reads at most `maxAddresses` entries in all from `answers` (each a list of addresses, e.g. the
 * A and the AAAA answer), keeping the dialable IP literals ({@link isDialableAddress}) once each.
 * Never throws for what the answers hold; throws a TypeError for a bad `port` or `maxAddresses`.
 */
export function candidatesFromAnswers(answers: readonly unknown[], port: number, maxAddresses: number): AddressAnswer {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TypeError(`port must be a whole number 1..65535, not ${String(port)}`);
  if (!Number.isInteger(maxAddresses) || maxAddresses < 1) throw new TypeError(`maxAddresses must be a whole number >= 1, not ${String(maxAddresses)}`);
  const seen = new Set<string>();
  const candidates: PeerCandidate[] = [];
  const droppedSamples: string[] = [];
  let read = 0;
  let droppedCount = 0;
  let overCap = false;
  let malformed = false;
  for (const answer of answers) {
    if (!Array.isArray(answer)) {
      malformed = true;
      continue;
    }
    const room = maxAddresses - read;
    if (answer.length > room) overCap = true;
    for (const entry of answer.slice(0, Math.max(room, 0)) as unknown[]) {
      read += 1;
      if (typeof entry === 'string' && isDialableAddress(entry)) {
        if (!seen.has(entry)) candidates.push({ address: entry, port, swarmId: null, peerId: null });
        seen.add(entry);
        continue;
      }
      droppedCount += 1;
      if (typeof entry === 'string' && droppedSamples.length < MAX_DROPPED_SAMPLES) droppedSamples.push(entry.slice(0, MAX_SAMPLE_CHARS));
    }
  }
  return { candidates, droppedCount, droppedSamples, overCap, malformed };
}

/** ` (a, b, c)`: the dropped samples of `answer` for a warning, or '' when it kept none. */
export function droppedSuffix(answer: AddressAnswer): string {
  return answer.droppedSamples.length === 0 ? '' : ` (${answer.droppedSamples.join(', ')})`;
}

/**
 * The `code` of an error from `node:dns` (`ENOTFOUND`, `ETIMEOUT`, ...), or `'unknown error'`
 * when it has none that looks like one (a remote party's text never reaches a warning whole).
 */
export function errorCode(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,31}$/.test(code) ? code : 'unknown error';
}

/**
 * Remembers, for each subject (a name, a flag), the condition last warned about, so that a
 * warning is given once while its condition lasts, again when the condition changes, and again
 * after `clear` (the subject recovered). Bounded by the number of subjects the caller uses.
 */
export class RepeatGuard {
  readonly #last = new Map<string, string>();

  /** Whether `condition` is new for `subject` (worth a warning); notes it as the last one. */
  isNew(subject: string, condition: string): boolean {
    if (this.#last.get(subject) === condition) return false;
    this.#last.set(subject, condition);
    return true;
  }

  /** `subject` is fine again: its next problem is worth a warning. */
  clear(subject: string): void {
    this.#last.delete(subject);
  }
}
