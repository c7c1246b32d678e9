import { afterEach, beforeEach, describe, it, expect, vi } from 'vitest';
import { DEFAULT_FIXED_REFRESH_MS, FixedSource, MAX_ADDRESSES_PER_NAME } from '../../../src/peer-sources/fixed-source.js';
import type { FixedSourceOptions } from '../../../src/peer-sources/fixed-source.js';
import { LOCAL_PEER, RecordingSink } from '../../helpers/recording-sink.js';

/** What a name resolves to: addresses, anything a broken lookup might give, or an error code. */
type Answer = unknown[] | { readonly code: string } | 'not a list';

/** A lookup over a table the test changes as it goes; logs every call. */
class FakeLookup {
  readonly calls: string[] = [];
  readonly table = new Map<string, Answer>();

  readonly lookup = async (host: string): Promise<string[]> => {
    this.calls.push(host);
    const answer = this.table.get(host) ?? { code: 'ENOTFOUND' };
    if (answer === 'not a list') return answer as unknown as string[];
    if (Array.isArray(answer)) return answer as string[];
    throw Object.assign(new Error(`lookup ${host} failed`), answer);
  };
}

let lookup: FakeLookup;
let sink: RecordingSink;
let source: FixedSource | null;

beforeEach(() => {
  vi.useFakeTimers();
  lookup = new FakeLookup();
  sink = new RecordingSink();
  source = null;
});

afterEach(async () => {
  await source?.stop();
  vi.useRealTimers();
});

async function started(options: Partial<FixedSourceOptions> & Pick<FixedSourceOptions, 'peers'>): Promise<FixedSource> {
  source = new FixedSource({ lookup: lookup.lookup, ...options });
  await source.start(LOCAL_PEER, [], sink);
  return source;
}

describe('FixedSource', () => {
  it('reports every literal at once, then each name\'s every address, then answers once', async () => {
    lookup.table.set('seed.swarm.svc', ['10.0.0.7', 'fd00::7']);
    await started({ peers: [{ host: '10.0.0.5', port: 41771 }, { host: 'fd00::5', port: 41772 }, { host: 'seed.swarm.svc', port: 41773 }] });
    expect(sink.batchAddresses()[0]).toEqual(['10.0.0.5:41771', '[fd00::5]:41772']);
    expect(sink.answers).toEqual([]);
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.batchAddresses()).toEqual([['10.0.0.5:41771', '[fd00::5]:41772'], ['10.0.0.7:41773', '[fd00::7]:41773']]);
    expect(sink.batches.flat().every((candidate) => candidate.swarmId === null && candidate.peerId === null)).toBe(true);
    expect(sink.answers).toEqual([null]);
    expect(sink.warnings).toEqual([]);
  });

  it('answers at once with only literals, and with no peers at all', async () => {
    await started({ peers: [{ host: '127.0.0.1', port: 1 }] });
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.answers).toEqual([null]);
    await source?.stop();
    sink = new RecordingSink();
    await started({ peers: [] });
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.answers).toEqual([null]);
    expect(sink.batches).toEqual([]);
  });

  it('reports everything again every refreshMs, resolving names again, and answers only the first time', async () => {
    lookup.table.set('seed', ['10.0.0.7']);
    await started({ peers: [{ host: '10.0.0.5', port: 1 }, { host: 'seed', port: 2 }], refreshMs: 1000 });
    await vi.advanceTimersByTimeAsync(0);
    lookup.table.set('seed', ['10.0.0.8']);
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sink.batchAddresses()).toEqual([['10.0.0.5:1'], ['10.0.0.7:2'], ['10.0.0.5:1'], ['10.0.0.8:2'], ['10.0.0.5:1'], ['10.0.0.8:2']]);
    expect(lookup.calls).toEqual(['seed', 'seed', 'seed']);
    expect(sink.answers).toEqual([null]);
  });

  it('refreshes every minute by default', async () => {
    await started({ peers: [{ host: '10.0.0.5', port: 1 }] });
    await vi.advanceTimersByTimeAsync(DEFAULT_FIXED_REFRESH_MS - 1);
    expect(sink.batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.batches).toHaveLength(2);
    expect(DEFAULT_FIXED_REFRESH_MS).toBe(60_000);
  });

  it('warns once about a name that does not resolve, until it resolves again', async () => {
    await started({ peers: [{ host: 'gone.swarm.svc', port: 41771 }], refreshMs: 1000 });
    await vi.advanceTimersByTimeAsync(3000);
    expect(sink.warnings).toEqual(['--peer gone.swarm.svc:41771: gone.swarm.svc does not resolve (ENOTFOUND); check the name']);
    expect(sink.answers).toEqual([null]);
    expect(sink.batches).toEqual([]);
    lookup.table.set('gone.swarm.svc', ['10.0.0.9']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sink.batchAddresses()).toEqual([['10.0.0.9:41771']]);
    lookup.table.delete('gone.swarm.svc');
    await vi.advanceTimersByTimeAsync(2000);
    expect(sink.warnings).toHaveLength(2);
  });

  it('warns again when the way a name fails changes', async () => {
    lookup.table.set('seed', { code: 'EAI_AGAIN' });
    await started({ peers: [{ host: 'seed', port: 1 }], refreshMs: 1000 });
    await vi.advanceTimersByTimeAsync(1000);
    lookup.table.set('seed', ['0.0.0.0', '224.0.0.1']);
    await vi.advanceTimersByTimeAsync(2000);
    expect(sink.warnings).toEqual([
      '--peer seed:1: seed does not resolve (EAI_AGAIN); check the name',
      '--peer seed:1: seed resolves to no dialable address (0.0.0.0, 224.0.0.1); check the name',
    ]);
  });

  it('keeps the dialable addresses of a name, once each, and drops the rest', async () => {
    lookup.table.set('seed', ['10.0.0.7', '0.0.0.0', 42, '10.0.0.7', 'ff02::1', 'not an address', '::1']);
    await started({ peers: [{ host: 'seed', port: 5 }] });
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.batchAddresses()).toEqual([['10.0.0.7:5', '[::1]:5']]);
    expect(sink.warnings).toEqual([]);
  });

  it(`takes at most ${MAX_ADDRESSES_PER_NAME} addresses of a name`, async () => {
    lookup.table.set('big', Array.from({ length: 5000 }, (_, index) => `10.1.${index >> 8}.${index & 0xff}`));
    await started({ peers: [{ host: 'big', port: 5 }] });
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.batches[0]).toHaveLength(MAX_ADDRESSES_PER_NAME);
  });

  it('turns a malformed answer and a lookup that throws at once into warnings', async () => {
    lookup.table.set('odd', 'not a list');
    const throwing = (host: string): Promise<string[]> => {
      if (host === 'sync') throw new Error('thrown, not rejected');
      return lookup.lookup(host);
    };
    await started({ peers: [{ host: 'odd', port: 1 }, { host: 'sync', port: 1 }], lookup: throwing });
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.warnings.sort()).toEqual([
      '--peer odd:1: odd gave a malformed answer; check the name',
      '--peer sync:1: sync does not resolve (unknown error); check the name',
    ]);
    expect(sink.answers).toEqual([null]);
  });

  it('answers once the slowest name settles, and does not look a name up twice at once', async () => {
    let release: (addresses: string[]) => void = () => {};
    const slow = (host: string): Promise<string[]> => {
      lookup.calls.push(host);
      return new Promise((resolve) => { release = resolve; });
    };
    await started({ peers: [{ host: '10.0.0.5', port: 1 }, { host: 'slow', port: 2 }], lookup: slow, refreshMs: 1000 });
    await vi.advanceTimersByTimeAsync(2500);
    expect(sink.answers).toEqual([]);
    expect(lookup.calls).toEqual(['slow']);
    expect(sink.batchAddresses()).toEqual([['10.0.0.5:1'], ['10.0.0.5:1'], ['10.0.0.5:1']]);
    release(['10.0.0.7']);
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.answers).toEqual([null]);
    await vi.advanceTimersByTimeAsync(500);
    expect(lookup.calls).toEqual(['slow', 'slow']);
  });

  it('reports nothing after stop, not even a lookup that settles later', async () => {
    let release: (addresses: string[]) => void = () => {};
    const slow = (): Promise<string[]> => new Promise((resolve) => { release = resolve; });
    const fixed = await started({ peers: [{ host: 'slow', port: 2 }], lookup: slow, refreshMs: 1000 });
    await fixed.stop();
    release(['10.0.0.7']);
    await vi.advanceTimersByTimeAsync(5000);
    expect(sink.batches).toEqual([]);
    expect(sink.answers).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reports a peer listed twice once', async () => {
    await started({ peers: [{ host: '10.0.0.5', port: 1 }, { host: '10.0.0.5', port: 1 }, { host: '10.0.0.5', port: 2 }] });
    expect(sink.batchAddresses()).toEqual([['10.0.0.5:1', '10.0.0.5:2']]);
  });

  it('throws a TypeError for misuse', async () => {
    const bad: unknown[] = [
      { peers: 'seed:1' },
      { peers: [{ host: '0.0.0.0', port: 1 }] },
      { peers: [{ host: 'bad name', port: 1 }] },
      { peers: [{ host: '[::1]', port: 1 }] },
      { peers: [{ host: 'seed', port: 0 }] },
      { peers: [{ host: 42, port: 1 }] },
      { peers: [], refreshMs: 0 },
      { peers: [], refreshMs: Number.NaN },
      { peers: [], lookup: 'dns' },
    ];
    for (const options of bad) expect(() => new FixedSource(options as FixedSourceOptions), JSON.stringify(options)).toThrow(TypeError);
    expect(() => new FixedSource({ peers: [{ host: 'bad name', port: 1 }] })).toThrow(/"bad name"/);
    const fixed = await started({ peers: [] });
    await expect(fixed.start(LOCAL_PEER, [], sink)).rejects.toThrow(TypeError);
  });
});
