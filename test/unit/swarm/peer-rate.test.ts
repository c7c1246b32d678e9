import { describe, expect, it } from 'vitest';
import { Peer } from '../../../src/swarm/peer.js';
import { BLOCK_BYTES, pipelineDepth } from '../../../src/swarm/swarm-parameters.js';
import { FakeLink } from '../../helpers/fake-link.js';

function peerAt(): Peer {
  return new Peer('a'.repeat(40), '127.0.0.1', new FakeLink(), 64, false);
}

describe('Peer.downloadRate', () => {
  it('is unknown until the peer has been asked for half a second, then what it delivered per second', () => {
    const peer = peerAt();
    peer.noteAsked(1000);
    // 1 MiB/s: a block every 250 ms.
    for (let atMs = 1250; atMs < 1500; atMs += 250) peer.noteReceived(BLOCK_BYTES, atMs);
    expect(peer.downloadRate).toBeNull();
    expect(pipelineDepth(peer.downloadRate)).toBe(4);
    for (let atMs = 1500; atMs <= 3000; atMs += 250) peer.noteReceived(BLOCK_BYTES, atMs);
    expect(peer.downloadRate).toBeCloseTo(2 ** 20, -4);
    expect(pipelineDepth(peer.downloadRate)).toBe(4);
    expect(peer.downloadedBytes).toBe(8 * BLOCK_BYTES);
  });

  it('follows a peer that slows down: its pipeline shrinks to the minimum', () => {
    const peer = peerAt();
    peer.noteAsked(0);
    for (let atMs = 25; atMs <= 1000; atMs += 25) peer.noteReceived(BLOCK_BYTES, atMs);
    expect(pipelineDepth(peer.downloadRate)).toBe(16);
    // Then a block every 2 s: 128 KiB/s over the 2 s window.
    for (let atMs = 3000; atMs <= 11_000; atMs += 2000) peer.noteReceived(BLOCK_BYTES, atMs);
    expect(peer.downloadRate).toBeLessThan(200_000);
    expect(pipelineDepth(peer.downloadRate)).toBe(2);
  });

  it('samples at most every 100 ms (the rate is not recomputed per block)', () => {
    const peer = peerAt();
    peer.noteAsked(0);
    peer.noteReceived(BLOCK_BYTES, 600);
    const rate = peer.downloadRate;
    peer.noteReceived(BLOCK_BYTES, 650);
    expect(peer.downloadRate).toBe(rate);
  });
});
