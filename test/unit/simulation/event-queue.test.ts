import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../../src/simulation/event-queue.js';
import { FlowNetwork, Port } from '../../../src/simulation/flow-network.js';
import { seededRandom, shuffled } from '../../../src/simulation/seeded-random.js';

describe('EventQueue', () => {
  it('fires in time order, ties in the order they were scheduled, and advances the clock', () => {
    const queue = new EventQueue();
    const fired: string[] = [];
    for (const [at, name] of [[5, 'c'], [1, 'a'], [5, 'd'], [3, 'b'], [0, 'z']] as const) queue.at(at, () => fired.push(`${name}@${queue.nowMs}`));
    queue.after(2, () => queue.after(1, () => fired.push(`nested@${queue.nowMs}`)));
    expect(queue.run()).toBe(false);
    expect(fired).toEqual(['z@0', 'a@1', 'b@3', 'nested@3', 'c@5', 'd@5']);
    expect(queue.fired).toBe(7);
  });

  it('stops when told, or before an event later than `untilMs`, and keeps the rest', () => {
    const queue = new EventQueue();
    let count = 0;
    for (let i = 1; i <= 10; i++) queue.at(i, () => count++);
    expect(queue.run(() => count === 3)).toBe(true);
    expect(queue.run(() => false, 7)).toBe(true);
    expect(count).toBe(7);
    expect(queue.size).toBe(3);
  });

  it('never schedules into the past and refuses a time that is not finite', () => {
    const queue = new EventQueue();
    const seen: number[] = [];
    queue.at(10, () => queue.at(2, () => seen.push(queue.nowMs)));
    queue.run();
    expect(seen).toEqual([10]);
    expect(() => queue.at(NaN, () => undefined)).toThrow(TypeError);
  });
});

describe('seededRandom', () => {
  it('gives the same sequence for the same seed, another for another, all in [0, 1)', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const first = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(first);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(shuffled([1, 2, 3, 4, 5], seededRandom(1)).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(() => seededRandom(0.5)).toThrow(TypeError);
  });
});

describe('FlowNetwork', () => {
  it('shares a sender fairly and speeds the other flow up when one ends', () => {
    const queue = new EventQueue();
    const network = new FlowNetwork(queue);
    const sender = new Port(1000);
    const [r1, r2] = [new Port(10_000), new Port(10_000)];
    const ends: Record<string, number> = {};
    network.start(sender, r1, 500, () => (ends['small'] = queue.nowMs));
    network.start(sender, r2, 1500, () => (ends['big'] = queue.nowMs));
    queue.run();
    // Both at 500 B/s until the small one ends at 1 s; then the big one alone at 1000 B/s: 1000 B left, 1 s.
    expect(ends['small']).toBeCloseTo(1000, 6);
    expect(ends['big']).toBeCloseTo(2000, 6);
    expect(sender.movedBytes).toBe(2000);
    expect(r1.movedBytes + r2.movedBytes).toBe(2000);
  });

  it('takes the smaller of the sender and receiver shares, and a cancelled flow keeps what it moved', () => {
    const queue = new EventQueue();
    const network = new FlowNetwork(queue);
    const fast = new Port(1000);
    const slow = new Port(100);
    let done = false;
    const flow = network.start(fast, slow, 1000, () => (done = true));
    expect(flow.rateBps).toBe(100);
    queue.at(4000, () => expect(network.cancel(flow)).toBeCloseTo(400, 6));
    queue.run();
    expect(done).toBe(false);
    expect(fast.flows.size).toBe(0);
    expect(() => network.start(fast, slow, 0, () => undefined)).toThrow(TypeError);
  });
});
