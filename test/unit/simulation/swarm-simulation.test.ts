import { describe, expect, it } from 'vitest';
import { SwarmSimulation, type SwarmSimulationOptions } from '../../../src/simulation/swarm-simulation.js';

const MIB = 2 ** 20;
const mbit = (rate: number): number => (rate * 1e6) / 8;

function options(overrides: Partial<SwarmSimulationOptions> = {}): SwarmSimulationOptions {
  return {
    seed: 1, hosts: 4, fileBytes: 32 * MIB, hostUpBps: mbit(100), hostDownBps: mbit(100), originBps: mbit(100), arrivalWindowMs: 300,
    ...overrides,
  };
}

describe('SwarmSimulation', () => {
  it('is deterministic with a seed: the same figures every time, others with another seed', () => {
    const a = new SwarmSimulation(options({ hosts: 6 })).run();
    const b = new SwarmSimulation(options({ hosts: 6 })).run();
    const c = new SwarmSimulation(options({ hosts: 6, seed: 2 })).run();
    expect(b).toEqual(a);
    expect(c.completionSeconds).not.toEqual(a.completionSeconds);
  });

  it('takes size / rate for one host (plus a round trip and the 100 ms wait for peers)', () => {
    const f = new SwarmSimulation(options({ hosts: 1, arrivalWindowMs: 0 })).run();
    const ideal = (32 * MIB) / mbit(100);
    expect(f.Tmin).toBeCloseTo(ideal, 9);
    expect(f.T).toBeGreaterThanOrEqual(ideal);
    expect(f.T).toBeLessThan(ideal + 0.11);
    expect(f.originEgress).toBe(1);
    expect(f.peerShare).toBe(0);
  });

  it('conserves bytes: every completed host kept exactly the file, and every byte sent was received', () => {
    const sim = new SwarmSimulation(options({ hosts: 8, lateJoinFraction: 0.25, lateJoinWindowMs: 1000 }));
    const f = sim.run();
    expect(f.incomplete).toBe(0);
    for (const host of sim.hosts) {
      expect(host.have.isComplete()).toBe(true);
      expect(host.peerBytes + host.originBytes).toBe(32 * MIB);
    }
    const sent = sim.originPort.movedBytes + sim.hosts.reduce((sum, host) => sum + host.up.movedBytes, 0);
    const received = sim.hosts.reduce((sum, host) => sum + host.down.movedBytes, 0);
    expect(sent).toBeCloseTo(received, 0);
    expect(sim.hosts.reduce((sum, host) => sum + host.originBytes, 0)).toBeLessThanOrEqual(f.originEgress * 32 * MIB);
  });

  it('serves a small swarm from the origin about once', () => {
    const f = new SwarmSimulation(options({ hosts: 8 })).run();
    expect(f.originEgress).toBeGreaterThanOrEqual(1);
    expect(f.originEgress).toBeLessThan(1.05);
    expect(f.T).toBeGreaterThan(f.Tmin);
    expect(f.firstSeconds).toBeLessThanOrEqual(f.medianSeconds);
    expect(f.medianSeconds).toBeLessThanOrEqual(f.lastSeconds);
  });

  it('completes the survivors when hosts die mid-way', () => {
    const f = new SwarmSimulation(options({ hosts: 12, dieFraction: 0.25, dieWindowMs: [500, 2000] })).run();
    expect(f.died).toBeGreaterThan(0);
    expect(f.incomplete).toBe(0);
    expect(f.completionSeconds.length + f.died).toBe(12);
  });

  it('keeps each host within its peer cap in a swarm larger than the cap; with claim gossip the origin serves about 1x', () => {
    const sim = new SwarmSimulation(options({ hosts: 40, fileBytes: 32 * MIB, params: { maxPeers: 12, dialPeers: 6, claimGossip: true } }));
    let most = 0;
    const sample = (): void => {
      for (const host of sim.hosts) most = Math.max(most, host.views.size + host.pending);
      if (sim.hosts.some((host) => host.doneMs === null)) sim.queue.after(50, sample);
    };
    sim.queue.at(0, sample);
    const f = sim.run();
    expect(f.incomplete).toBe(0);
    expect(most).toBeLessThanOrEqual(12);
    expect(most).toBeGreaterThan(6);
    expect(f.originEgress).toBeLessThan(1.05);
  });

  it('refuses bad options with a TypeError quoting the value', () => {
    expect(() => new SwarmSimulation(options({ hosts: 0 }))).toThrow(/hosts must be a positive integer, got 0/);
    expect(() => new SwarmSimulation(options({ originBps: -1 }))).toThrow(/originBps/);
    expect(() => new SwarmSimulation(options({ dieFraction: 2 }))).toThrow(/dieFraction/);
  });
});
