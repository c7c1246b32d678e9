/**
 * The connection lifecycle: dials, handshakes, duplicates, bans, self, caps and per-address
 * backoff, step by step with explicit clocks; and a property test that random sequences of events
 * never break the caps or leave a pair with two active connections.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectionTable, DEFAULT_CAPS, addressKey, backoffMs, type ConnectionCaps } from '../../../src/host/connection-table.js';

const OURS = '55'.repeat(20);
const LOWER = '11'.repeat(20);
const HIGHER = '99'.repeat(20);
const SWARM = 'aa'.repeat(32);
const OTHER = 'bb'.repeat(32);

function table(caps: Partial<ConnectionCaps> = {}): ConnectionTable {
  return new ConnectionTable(OURS, { ...DEFAULT_CAPS, ...caps });
}

describe('ConnectionTable: one connection', () => {
  it('goes dialling, handshaking, active, closed; a dial that became active costs no backoff', () => {
    const t = table();
    expect(t.mayDial(SWARM, '10.0.0.2', 7000, 'fixed', 0)).toBeNull();
    const id = t.dialling(SWARM, '10.0.0.2', 7000, 'fixed');
    expect(t.get(id)?.state).toBe('dialling');
    expect(t.underWay(SWARM)).toBe(1);
    t.connected(id);
    expect(t.get(id)?.state).toBe('handshaking');
    expect(t.handshake(id, HIGHER)).toEqual({ kind: 'active' });
    expect(t.get(id)).toMatchObject({ state: 'active', peerId: HIGHER, origin: 'fixed', listenPort: 7000 });
    expect(t.underWay()).toBe(0);
    expect(t.activeIn(SWARM)).toBe(1);
    expect(t.mayDial(SWARM, '10.0.0.2', 7000, 'fixed', 0), 'connected already').toBe('connected');
    expect(t.mayDial(OTHER, '10.0.0.2', 7000, 'fixed', 0), 'another swarm may dial it').toBeNull();
    t.closed(id, 100);
    expect(t.get(id)).toBeUndefined();
    expect(t.mayDial(SWARM, '10.0.0.2', 7000, 'fixed', 100)).toBeNull();
  });

  it('a failed dial backs its address off, doubling per failure up to the cap; success resets it', () => {
    const t = table({ backoffBaseMs: 1000, backoffMaxMs: 8000 });
    let now = 0;
    for (const expected of [1000, 2000, 4000, 8000, 8000]) {
      const id = t.dialling(SWARM, '10.0.0.3', 7000, 'dns');
      t.closed(id, now);
      expect(t.mayDial(SWARM, '10.0.0.3', 7000, 'dns', now + expected - 1)).toBe('backoff');
      expect(t.mayDial(SWARM, '10.0.0.3', 7000, 'dns', now + expected)).toBeNull();
      now += expected;
    }
    const id = t.dialling(SWARM, '10.0.0.3', 7000, 'dns');
    t.connected(id);
    t.handshake(id, HIGHER);
    t.closed(id, now);
    const again = t.dialling(SWARM, '10.0.0.3', 7000, 'dns');
    t.closed(again, now);
    expect(t.mayDial(SWARM, '10.0.0.3', 7000, 'dns', now + 1000), 'back to the first delay').toBeNull();
  });

  it('an address in its first three failed dials counts as an early retry (the first wait holds for it), ourselves never', () => {
    const t = table();
    for (let failures = 1; failures <= 4; failures++) {
      t.closed(t.dialling(SWARM, '10.0.0.7', 7000, 'fixed'), failures * 100_000);
      expect(t.earlyRetries(), `after ${failures} failures`).toBe(failures <= 3 ? 1 : 0);
    }
    const self = t.dialling(SWARM, '127.0.0.1', 7001, 'fixed');
    t.connected(self);
    t.closed(self, 0, true);
    expect(t.earlyRetries()).toBe(0);
  });

  it('an address that was ourselves is never dialled again, nor a candidate with our own id', () => {
    const t = table();
    const id = t.dialling(SWARM, '127.0.0.1', 41771, 'fixed');
    t.connected(id);
    t.closed(id, 0, true);
    expect(t.mayDial(SWARM, '127.0.0.1', 41771, 'fixed', 10 ** 9)).toBe('self');
    expect(t.mayDial(SWARM, '10.0.0.9', 1, 'broadcast', 0, OURS)).toBe('self');
  });

  it('a banned peer is refused at its handshake and not dialled by id', () => {
    const t = table();
    t.ban(HIGHER);
    expect(t.isBanned(HIGHER)).toBe(true);
    expect(t.mayDial(SWARM, '10.0.0.4', 1, 'broadcast', 0, HIGHER)).toBe('banned');
    const id = t.dialling(SWARM, '10.0.0.4', 1, 'fixed');
    t.connected(id);
    expect(t.handshake(id, HIGHER)).toEqual({ kind: 'refuse', reason: 'banned' });
  });

  it('an inbound peer whose listen port is known is not dialled at that address', () => {
    const t = table();
    const id = t.accepted(SWARM, '10.0.0.5', 50_000);
    expect(id).not.toBeNull();
    t.handshake(id!, HIGHER);
    expect(t.mayDial(SWARM, '10.0.0.5', 7000, 'exchange', 0)).toBeNull();
    t.listening(id!, 7000);
    expect(t.mayDial(SWARM, '10.0.0.5', 7000, 'exchange', 0)).toBe('connected');
  });

  it('a closed or unknown connection is refused at its handshake', () => {
    const t = table();
    expect(t.handshake(42, HIGHER)).toEqual({ kind: 'refuse', reason: 'closed' });
  });
});

describe('ConnectionTable: duplicates', () => {
  /** Two connections of one pair: one we dialled, one it dialled; which one both sides keep. */
  function pair(theirs: string, firstOutbound: boolean): { t: ConnectionTable; first: number; second: number } {
    const t = table();
    const open = (outbound: boolean): number => {
      const id = outbound ? t.dialling(SWARM, '10.0.0.6', 7000, 'broadcast') : t.accepted(SWARM, '10.0.0.6', 50_001)!;
      t.connected(id);
      return id;
    };
    const first = open(firstOutbound);
    expect(t.handshake(first, theirs).kind).toBe('active');
    return { t, first, second: open(!firstOutbound) };
  }

  it('we are the lower id: the connection we dialled is kept, whichever came first', () => {
    const keepsOurs = pair(HIGHER, false);
    expect(keepsOurs.t.handshake(keepsOurs.second, HIGHER)).toEqual({ kind: 'replace', replaced: keepsOurs.first });
    const already = pair(HIGHER, true);
    expect(already.t.handshake(already.second, HIGHER)).toEqual({ kind: 'refuse', reason: 'duplicate connection' });
  });

  it('we are the higher id: the connection it dialled is kept', () => {
    const keepsTheirs = pair(LOWER, true);
    expect(keepsTheirs.t.handshake(keepsTheirs.second, LOWER)).toEqual({ kind: 'replace', replaced: keepsTheirs.first });
    const already = pair(LOWER, false);
    expect(already.t.handshake(already.second, LOWER)).toEqual({ kind: 'refuse', reason: 'duplicate connection' });
  });
});

describe('ConnectionTable: caps', () => {
  it('caps connections under way over the host, those per source (dialling or in their handshake), and peers per swarm', () => {
    const t = table({ maxUnderWay: 3, maxDiallingPerSource: 2, maxPeersPerSwarm: 4 });
    t.dialling(SWARM, '10.0.1.1', 1, 'tracker');
    t.dialling(SWARM, '10.0.1.2', 1, 'tracker');
    expect(t.mayDial(SWARM, '10.0.1.3', 1, 'tracker', 0)).toBe('source-cap');
    expect(t.mayDial(SWARM, '10.0.1.3', 1, 'dns', 0)).toBeNull();
    t.dialling(SWARM, '10.0.1.3', 1, 'dns');
    expect(t.mayDial(SWARM, '10.0.1.4', 1, 'fixed', 0)).toBe('under-way-cap');
    expect(t.accepted(OTHER, '10.0.1.9', 5), 'an incoming connection counts too').toBeNull();
    for (const [index, entry] of t.entries().entries()) {
      t.connected(entry.id);
      t.handshake(entry.id, `${index}`.padStart(40, '0'));
    }
    const fourth = t.dialling(SWARM, '10.0.1.4', 1, 'fixed');
    expect(t.mayDial(SWARM, '10.0.1.5', 1, 'fixed', 0), 'three active and one under way').toBe('swarm-full');
    expect(t.accepted(SWARM, '10.0.1.6', 5)).toBeNull();
    t.connected(fourth);
    expect(t.handshake(fourth, 'ff'.repeat(20))).toEqual({ kind: 'active' });
    expect(t.activeIn(SWARM)).toBe(4);
  });

  it('dials at most maxDialledPerSwarm peers of a swarm itself, and still accepts peers that dial it up to the swarm cap', () => {
    const t = table({ maxPeersPerSwarm: 4, maxDialledPerSwarm: 2 });
    const first = t.dialling(SWARM, '10.0.3.1', 1, 'tracker');
    t.connected(first);
    expect(t.handshake(first, '01'.repeat(20))).toEqual({ kind: 'active' });
    t.dialling(SWARM, '10.0.3.2', 1, 'tracker');
    expect(t.mayDial(SWARM, '10.0.3.3', 1, 'tracker', 0), 'one active and one under way').toBe('dialled-cap');
    expect(t.mayDial(OTHER, '10.0.3.3', 1, 'tracker', 0), 'another swarm has its own').toBeNull();
    const inbound = t.accepted(SWARM, '10.0.3.4', 5)!;
    expect(t.handshake(inbound, '02'.repeat(20))).toEqual({ kind: 'active' });
    expect(t.accepted(SWARM, '10.0.3.5', 5)).not.toBeNull();
    expect(t.accepted(SWARM, '10.0.3.6', 5), 'at the swarm cap').toBeNull();
    t.closed(first, 0);
    expect(t.mayDial(SWARM, '10.0.3.7', 1, 'tracker', 0), 'a dialled peer gone frees its slot').toBeNull();
  });

  it('a handshake past the swarm cap is refused', () => {
    const t = table({ maxPeersPerSwarm: 1 });
    const a = t.accepted(SWARM, '10.0.2.1', 5)!;
    const b = t.dialling(SWARM, '10.0.2.2', 7, 'fixed');
    expect(t.handshake(a, HIGHER)).toEqual({ kind: 'active' });
    t.connected(b);
    expect(t.handshake(b, LOWER)).toEqual({ kind: 'refuse', reason: 'swarm full' });
  });
});

describe('backoffMs and addressKey', () => {
  it('doubles from the base up to the cap', () => {
    expect([0, 1, 2, 3, 6, 100].map((n) => backoffMs({ backoffBaseMs: 500, backoffMaxMs: 10_000 }, n))).toEqual([0, 500, 1000, 2000, 10_000, 10_000]);
  });
  it('brackets IPv6', () => {
    expect(addressKey('10.0.0.1', 5)).toBe('10.0.0.1:5');
    expect(addressKey('fd00::1', 5)).toBe('[fd00::1]:5');
  });
  it('refuses an id that is not hex', () => {
    expect(() => new ConnectionTable('not hex')).toThrow(TypeError);
  });
});

type Op =
  | { kind: 'dial'; swarm: number; address: number; origin: 'fixed' | 'dns' | 'tracker' }
  | { kind: 'accept'; swarm: number; address: number }
  | { kind: 'connect'; pick: number }
  | { kind: 'handshake'; pick: number; peer: number }
  | { kind: 'close'; pick: number; self: boolean }
  | { kind: 'ban'; peer: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('dial' as const), swarm: fc.nat(1), address: fc.nat(7), origin: fc.constantFrom('fixed' as const, 'dns' as const, 'tracker' as const) }),
  fc.record({ kind: fc.constant('accept' as const), swarm: fc.nat(1), address: fc.nat(7) }),
  fc.record({ kind: fc.constant('connect' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('handshake' as const), pick: fc.nat(), peer: fc.nat(5) }),
  fc.record({ kind: fc.constant('close' as const), pick: fc.nat(), self: fc.boolean() }),
  fc.record({ kind: fc.constant('ban' as const), peer: fc.nat(5) }),
);

describe('ConnectionTable: invariants under any sequence of events', () => {
  it('never over a cap, never two active connections of one pair in a swarm, bans hold', () => {
    const caps: ConnectionCaps = { ...DEFAULT_CAPS, maxUnderWay: 5, maxDiallingPerSource: 2, maxPeersPerSwarm: 3 };
    fc.assert(fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
      const t = new ConnectionTable(OURS, caps);
      const swarms = [SWARM, OTHER];
      const peers = ['01', '22', '44', '66', '88', 'ee'].map((b) => b.repeat(20));
      const banned = new Set<string>();
      for (const [step, o] of ops.entries()) {
        const ids = t.entries().map((entry) => entry.id);
        const picked = ids.length > 0 ? ids[('pick' in o ? o.pick : 0) % ids.length]! : -1;
        if (o.kind === 'dial') {
          const address = `10.9.0.${o.address}`;
          if (t.mayDial(swarms[o.swarm]!, address, 7000, o.origin, step) === null) t.dialling(swarms[o.swarm]!, address, 7000, o.origin);
        } else if (o.kind === 'accept') t.accepted(swarms[o.swarm]!, `10.9.1.${o.address}`, 50_000);
        else if (o.kind === 'connect') t.connected(picked);
        else if (o.kind === 'handshake') {
          const verdict = t.handshake(picked, peers[o.peer]!);
          if (banned.has(peers[o.peer]!)) expect(verdict.kind).toBe('refuse');
          if (verdict.kind === 'replace') t.closed(verdict.replaced, step);
          if (verdict.kind === 'refuse') t.closed(picked, step);
        } else if (o.kind === 'close') t.closed(picked, step, o.self);
        else {
          banned.add(peers[o.peer]!);
          t.ban(peers[o.peer]!);
        }
        expect(t.underWay()).toBeLessThanOrEqual(caps.maxUnderWay);
        const dialling = new Map<string, number>();
        for (const entry of t.entries()) if (entry.state === 'dialling') dialling.set(entry.origin, (dialling.get(entry.origin) ?? 0) + 1);
        for (const count of dialling.values()) expect(count).toBeLessThanOrEqual(caps.maxDiallingPerSource);
        for (const swarm of swarms) {
          expect(t.activeIn(swarm)).toBeLessThanOrEqual(caps.maxPeersPerSwarm);
          const active = t.entries().filter((entry) => entry.swarm === swarm && entry.state === 'active').map((entry) => entry.peerId);
          expect(new Set(active).size).toBe(active.length);
        }
      }
    }), { numRuns: 300 });
  });
});
