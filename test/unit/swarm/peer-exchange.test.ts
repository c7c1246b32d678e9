import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MAX_PEX_SENT_PER_CONNECTION, MAX_PEX_TAKEN_PER_CONNECTION, PEX_BURST_MESSAGES, PEX_INTERVAL_MS, PexInbox, PexSender, pexKey,
} from '../../../src/swarm/peer-exchange.js';
import type { PeersMessage } from '../../../src/swarm/peer-exchange.js';
import { MAX_PEX_PEERS, decodePayload, encodeMessage } from '../../../src/wire/codec.js';
import type { PexAddress } from '../../../src/wire/codec.js';
import { pexAddress } from '../../../src/testing/wire-arbitraries.js';

/** `count` distinct IPv4 listen addresses 10.0.x.y:7000, from `from` on. */
const peers = (count: number, from = 0): PexAddress[] =>
  Array.from({ length: count }, (_, i) => ({ address: `10.0.${(from + i) >> 8}.${(from + i) & 0xff}`, port: 7000 }));
const p = (address: string, port = 7000): PexAddress => ({ address, port });
const addresses = (message: PeersMessage | null): string[] | null =>
  message === null ? null : message.added.map((peer) => `${peer.address}:${peer.port}`);

describe('pexKey', () => {
  it.each<[PexAddress, string]>([
    [p('10.0.0.1', 1), '10.0.0.1:1'],
    [p('::ffff:10.0.0.1', 80), '10.0.0.1:80'],
    [p('2001:DB8:0:0::1', 65535), '2001:db8::1:65535'],
  ])('%j -> %s', (peer, key) => {
    expect(pexKey(peer)).toBe(key);
  });

  it.each([[p('host.example')], [p('10.0.0.1', 0)], [p('10.0.0.1', 65536)], [null]])('throws a TypeError quoting %j', (peer) => {
    expect(() => pexKey(peer as PexAddress)).toThrow(TypeError);
    expect(() => pexKey(peer as PexAddress)).toThrow(/got /);
  });
});

describe('PexSender', () => {
  it('sends the first message at once, then nothing before the interval is up', () => {
    const sender = new PexSender();
    expect(sender.nextAtMs).toBeNull();
    expect(addresses(sender.next(0, peers(2), null))).toEqual(['10.0.0.0:7000', '10.0.0.1:7000']);
    expect(sender.nextAtMs).toBe(PEX_INTERVAL_MS);
    expect(sender.next(PEX_INTERVAL_MS - 1, peers(3), null)).toBeNull();
    expect(addresses(sender.next(PEX_INTERVAL_MS, peers(3), null))).toEqual(['10.0.0.2:7000']);
    expect(sender.next(PEX_INTERVAL_MS * 2 - 1, peers(4), null)).toBeNull();
  });

  it('with nothing to tell sends nothing, and does not start the interval', () => {
    const sender = new PexSender();
    expect(sender.next(0, [], null)).toBeNull();
    expect(addresses(sender.next(1, peers(1), null))).toEqual(['10.0.0.0:7000']);
  });

  it('sends only the entries the recipient has not had from us', () => {
    const sender = new PexSender();
    sender.next(0, peers(2), null);
    expect(sender.next(PEX_INTERVAL_MS, peers(2), null)).toBeNull();
    // Nothing new: the interval does not restart, so the next new peer goes at once.
    expect(addresses(sender.next(PEX_INTERVAL_MS + 1, [...peers(1, 5), ...peers(2)], null))).toEqual(['10.0.0.5:7000']);
    expect(sender.sentEntries).toBe(3);
  });

  it(`sends at most ${MAX_PEX_PEERS} entries a message, the rest in the next ones`, () => {
    const sender = new PexSender();
    const all = peers(120);
    const sizes = [0, 1, 2, 3].map((i) => sender.next(i * PEX_INTERVAL_MS, all, null)?.added.length ?? null);
    expect(sizes).toEqual([50, 50, 20, null]);
  });

  it(`stops after ${MAX_PEX_SENT_PER_CONNECTION} entries in the connection's life`, () => {
    const sender = new PexSender();
    const all = peers(MAX_PEX_SENT_PER_CONNECTION + 100);
    const sizes = Array.from({ length: 22 }, (_, i) => sender.next(i * PEX_INTERVAL_MS, all, null)?.added.length ?? 0);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(MAX_PEX_SENT_PER_CONNECTION);
    expect(sizes.slice(-2)).toEqual([0, 0]);
    expect(sender.sentEntries).toBe(MAX_PEX_SENT_PER_CONNECTION);
  });

  it('honours smaller options: per message, per connection, interval', () => {
    const sender = new PexSender({ maxEntriesPerMessage: 3, maxEntriesPerConnection: 5, intervalMs: 10 });
    expect(sender.next(0, peers(9), null)?.added.length).toBe(3);
    expect(sender.next(9, peers(9), null)).toBeNull();
    expect(sender.next(10, peers(9), null)?.added.length).toBe(2);
    expect(sender.next(20, peers(9), null)).toBeNull();
  });

  it('never sends the recipient its own address, in any spelling; the same host on another port is another peer', () => {
    const sender = new PexSender();
    const list = [p('10.0.0.1'), p('::ffff:10.0.0.1'), p('10.0.0.1', 7001), p('10.0.0.2')];
    expect(addresses(sender.next(0, list, p('10.0.0.1')))).toEqual(['10.0.0.1:7001', '10.0.0.2:7000']);
  });

  it('sends canonical text once per host: mapped IPv6 as IPv4, IPv6 compressed', () => {
    const sender = new PexSender();
    const list = [p('::ffff:10.0.0.2'), p('10.0.0.2'), p('2001:DB8:0:0::1'), p('2001:db8::1')];
    expect(addresses(sender.next(0, list, null))).toEqual(['10.0.0.2:7000', '2001:db8::1:7000']);
  });

  it('returns messages the codec encodes and reads back', () => {
    const message = new PexSender().next(0, [...peers(30), p('::1', 9), p('fd00::7', 65535)], null) as PeersMessage;
    expect(decodePayload(encodeMessage(message).subarray(4))).toEqual(message);
  });

  it.each<[string, () => unknown]>([
    ['intervalMs 0', () => new PexSender({ intervalMs: 0 })],
    ['maxEntriesPerMessage 51', () => new PexSender({ maxEntriesPerMessage: 51 })],
    ['maxEntriesPerConnection 1.5', () => new PexSender({ maxEntriesPerConnection: 1.5 })],
    ['nowMs NaN', () => new PexSender().next(Number.NaN, [], null)],
    ['exchangeable not an array', () => new PexSender().next(0, 'x' as unknown as PexAddress[], null)],
    ['a name in exchangeable', () => new PexSender().next(0, [p('peer.local')], null)],
    ['port 0 in exchangeable', () => new PexSender().next(0, [p('10.0.0.1', 0)], null)],
    ['a bad recipient', () => new PexSender().next(0, [], p('10.0.0.1', -1))],
  ])('throws a TypeError for %s', (_name, misuse) => {
    expect(misuse).toThrow(TypeError);
  });

  it('keeps its promises for any lists and times: caps, interval, no repeats, no recipient, everyone told in the end', () => {
    const step = fc.record({ elapsedMs: fc.nat({ max: 3 * PEX_INTERVAL_MS }), peers: fc.array(pexAddress, { maxLength: 80 }) });
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 15 }), pexAddress, (steps, recipient) => {
      const sender = new PexSender({ maxEntriesPerConnection: 200 });
      const sent = new Set<string>();
      let nowMs = 0;
      let lastMs = -Infinity;
      for (const { elapsedMs, peers: list } of steps) {
        nowMs += elapsedMs;
        const message = sender.next(nowMs, list, recipient);
        if (message === null) continue;
        expect(nowMs - lastMs).toBeGreaterThanOrEqual(PEX_INTERVAL_MS);
        expect(message.added.length).toBeGreaterThan(0);
        expect(message.added.length).toBeLessThanOrEqual(MAX_PEX_PEERS);
        for (const peer of message.added) {
          const key = pexKey(peer);
          expect(sent.has(key)).toBe(false);
          expect(key).not.toBe(pexKey(recipient));
          sent.add(key);
        }
        lastMs = nowMs;
      }
      expect(sent.size).toBeLessThanOrEqual(200);
      // Given time, the last list is told in full (up to the lifetime cap).
      const last = steps[steps.length - 1]?.peers ?? [];
      for (let i = 1; i <= 5; i++) for (const peer of sender.next(nowMs + i * PEX_INTERVAL_MS, last, recipient)?.added ?? []) sent.add(pexKey(peer));
      const wanted = new Set(last.map(pexKey).filter((key) => key !== pexKey(recipient)));
      if (sent.size < 200) for (const key of wanted) expect(sent.has(key)).toBe(true);
    }), { numRuns: 200 });
  });
});

describe('PexInbox.accept', () => {
  it(`takes a burst of ${PEX_BURST_MESSAGES} messages, then calls the next one a flood, for good`, () => {
    const inbox = new PexInbox();
    for (let i = 0; i < PEX_BURST_MESSAGES; i++) expect(inbox.accept(0, 10)).toEqual({ verdict: 'ok', takeCount: 10 });
    expect(inbox.accept(0, 10)).toEqual({ verdict: 'flood' });
    expect(inbox.accept(1e9, 10)).toEqual({ verdict: 'flood' });
  });

  it('refills one message per PEX_INTERVAL_MS / 2', () => {
    const refillMs = PEX_INTERVAL_MS / 2;
    const early = new PexInbox();
    for (let i = 0; i < 3; i++) early.accept(0, 1);
    expect(early.accept(refillMs - 1, 1).verdict).toBe('flood');
    const onTime = new PexInbox();
    for (let i = 0; i < 3; i++) onTime.accept(0, 1);
    expect(onTime.accept(refillMs, 1).verdict).toBe('ok');
    expect(onTime.accept(refillMs, 1).verdict).toBe('flood');
  });

  it('lets a sender at our own pace go on for ever, with jitter', () => {
    const inbox = new PexInbox();
    const jitterMs = [0, 2400, -2400, 1000, -1000];
    for (let i = 0; i < 200; i++) {
      expect(inbox.accept(i * PEX_INTERVAL_MS + (jitterMs[i % jitterMs.length] ?? 0) + 2400, 50).verdict).toBe('ok');
    }
  });

  it('after a quiet spell holds no more than the burst', () => {
    const inbox = new PexInbox();
    inbox.accept(0, 1);
    const verdicts = [0, 1, 2, 3].map(() => inbox.accept(1e7, 1).verdict);
    expect(verdicts).toEqual(['ok', 'ok', 'ok', 'flood']);
  });

  it('counts an empty message against the rate', () => {
    const inbox = new PexInbox({ burstMessages: 1 });
    expect(inbox.accept(0, 0)).toEqual({ verdict: 'ok', takeCount: 0 });
    expect(inbox.accept(1, 0).verdict).toBe('flood');
  });

  it(`takes at most ${MAX_PEX_TAKEN_PER_CONNECTION} entries in the connection's life, then none`, () => {
    const inbox = new PexInbox();
    const takes = Array.from({ length: 12 }, (_, i) => {
      const result = inbox.accept(i * PEX_INTERVAL_MS, i === 9 ? 30 : 50);
      return result.verdict === 'ok' ? result.takeCount : -1;
    });
    expect(takes).toEqual([50, 50, 50, 50, 50, 50, 50, 50, 50, 30, 20, 0]);
    expect(inbox.takenEntries).toBe(MAX_PEX_TAKEN_PER_CONNECTION);
  });

  it.each<[string, () => unknown]>([
    ['burstMessages 0', () => new PexInbox({ burstMessages: 0 })],
    ['refillMs -1', () => new PexInbox({ refillMs: -1 })],
    ['maxEntriesTaken NaN', () => new PexInbox({ maxEntriesTaken: Number.NaN })],
    ['nowMs Infinity', () => new PexInbox().accept(Infinity, 1)],
    ['count -1', () => new PexInbox().accept(0, -1)],
    ['count 1.5', () => new PexInbox().accept(0, 1.5)],
  ])('throws a TypeError for %s', (_name, misuse) => {
    expect(misuse).toThrow(TypeError);
  });
});

describe('PexInbox.filterAdded', () => {
  it.each<[string, number, boolean]>([
    // address, port, kept
    ['127.0.0.1', 7000, true],
    ['10.1.2.3', 1, true],
    ['192.168.1.255', 65535, true],
    ['223.255.255.255', 7000, true],
    ['::1', 7000, true],
    ['2001:db8::1', 7000, true],
    ['fd00::1', 7000, true],
    ['fec0::1', 7000, true],
    ['0.0.0.0', 7000, false],
    ['0.1.2.3', 7000, false],
    ['224.0.0.1', 7000, false],
    ['239.255.255.250', 7000, false],
    ['240.0.0.1', 7000, false],
    ['255.255.255.255', 7000, false],
    ['::', 7000, false],
    ['::ffff:0.0.0.0', 7000, false],
    ['::ffff:224.0.0.1', 7000, false],
    ['ff02::1', 7000, false],
    ['ff05::2', 7000, false],
    ['fe80::1', 7000, false],
    ['febf::1', 7000, false],
    ['10.0.0.1', 0, false],
    ['10.0.0.1', 65536, false],
    ['10.0.0.1', 1.5, false],
    ['peer.example', 7000, false],
    ['fe80::1%eth0', 7000, false],
  ])('%s port %d: kept %s', (address, port, kept) => {
    expect(new PexInbox().filterAdded([{ address, port }], []).length).toBe(kept ? 1 : 0);
  });

  it('drops entries that are not even objects, and a non-array', () => {
    const inbox = new PexInbox();
    expect(inbox.filterAdded([null, 7, {}] as unknown as PexAddress[], [])).toEqual([]);
    expect(inbox.filterAdded('nope' as unknown as PexAddress[], [])).toEqual([]);
  });

  it('drops duplicates within a message and of earlier messages, in any spelling; gives canonical text', () => {
    const inbox = new PexInbox();
    expect(inbox.filterAdded([p('10.0.0.1'), p('::ffff:10.0.0.1'), p('2001:DB8::1'), p('2001:db8:0::1')], [])).toEqual([
      p('10.0.0.1'), p('2001:db8::1'),
    ]);
    expect(inbox.filterAdded([p('2001:db8::1'), p('10.0.0.1'), p('10.0.0.1', 7001)], [])).toEqual([p('10.0.0.1', 7001)]);
  });

  it('drops our own listen addresses, compared exactly', () => {
    const inbox = new PexInbox();
    const self = [p('10.0.0.9'), p('::ffff:192.168.0.9'), p('0.0.0.0')];
    const added = [p('10.0.0.9'), p('192.168.0.9'), p('10.0.0.9', 7001), p('10.0.0.10')];
    expect(inbox.filterAdded(added, self)).toEqual([p('10.0.0.9', 7001), p('10.0.0.10')]);
  });

  it('remembers at most maxEntriesTaken keys', () => {
    const inbox = new PexInbox({ maxEntriesTaken: 2 });
    expect(inbox.filterAdded(peers(3), [])).toHaveLength(3);
    expect(inbox.filterAdded(peers(3), [])).toEqual(peers(1, 2));
  });

  it('throws a TypeError for a self that is not a list of literals', () => {
    expect(() => new PexInbox().filterAdded([], [p('me.local')])).toThrow(TypeError);
    expect(() => new PexInbox().filterAdded([], null as unknown as PexAddress[])).toThrow(TypeError);
  });
});
