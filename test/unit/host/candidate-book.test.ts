/**
 * The candidate book: one entry per address, port and swarm; non-dialable addresses dropped; each
 * source bounded to its own share (a flood replaces that source's oldest, never another's); stale
 * entries forgotten.
 */
import { describe, expect, it } from 'vitest';
import { CANDIDATE_TTL_MS, CandidateBook, MAX_CANDIDATES_PER_SOURCE, isDialable } from '../../../src/host/candidate-book.js';

const SWARM = Buffer.alloc(32, 1);

describe('CandidateBook', () => {
  it('keeps one entry per address, port and swarm; a later report refreshes it and keeps a known peer id', () => {
    const book = new CandidateBook();
    book.add('broadcast', { address: '10.0.0.1', port: 7000, swarmId: SWARM, peerId: Buffer.alloc(20, 2) }, 0);
    book.add('tracker', { address: '10.0.0.1', port: 7000, swarmId: SWARM, peerId: null }, 5);
    book.add('fixed', { address: '10.0.0.1', port: 7000, swarmId: null, peerId: null }, 6);
    expect(book.all()).toEqual([
      { address: '10.0.0.1', port: 7000, swarm: SWARM.toString('hex'), peerId: '02'.repeat(20), origin: 'tracker', seenMs: 5 },
      { address: '10.0.0.1', port: 7000, swarm: null, peerId: null, origin: 'fixed', seenMs: 6 },
    ]);
    expect(book.countFor(SWARM.toString('hex'))).toBe(1);
  });

  it('drops what cannot be dialled', () => {
    const book = new CandidateBook();
    for (const [address, port] of [['0.0.0.0', 1], ['255.255.255.255', 1], ['224.0.0.1', 1], ['ff02::1', 1], ['::', 1], ['10.0.0.1', 0], ['10.0.0.1', 70_000], ['host.example', 1]] as const) {
      expect(book.add('dns', { address, port, swarmId: null, peerId: null }, 0), `${address}:${port}`).toBe(false);
    }
    expect(book.all()).toEqual([]);
    expect(isDialable('127.0.0.1', 1)).toBe(true);
    expect(isDialable('fd00::5', 41771)).toBe(true);
  });

  it('a flood from one source replaces its own oldest entries, never another source\'s', () => {
    const book = new CandidateBook();
    book.add('fixed', { address: '192.168.0.1', port: 1, swarmId: null, peerId: null }, 0);
    for (let index = 0; index < MAX_CANDIDATES_PER_SOURCE + 500; index++) {
      book.add('tracker', { address: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`, port: 6881, swarmId: SWARM, peerId: null }, index);
    }
    const all = book.all();
    expect(all.filter((entry) => entry.origin === 'tracker')).toHaveLength(MAX_CANDIDATES_PER_SOURCE);
    expect(all.filter((entry) => entry.origin === 'fixed')).toHaveLength(1);
    expect(all.find((entry) => entry.address === '10.0.0.0'), 'the oldest went first').toBeUndefined();
  });

  it('forgets entries not reported again within the TTL', () => {
    const book = new CandidateBook();
    book.add('dns', { address: '10.0.0.1', port: 1, swarmId: null, peerId: null }, 0);
    book.add('dns', { address: '10.0.0.2', port: 1, swarmId: null, peerId: null }, 1000);
    book.prune(CANDIDATE_TTL_MS + 500);
    expect(book.all().map((entry) => entry.address)).toEqual(['10.0.0.2']);
  });
});
