import { afterEach, beforeEach, describe, it, expect, vi } from 'vitest';
import { DEFAULT_DNS_INTERVAL_MS, DnsSource } from '../../../src/peer-sources/dns-source.js';
import type { DnsResolver, DnsSourceOptions } from '../../../src/peer-sources/dns-source.js';
import { LOCAL_PEER, RecordingSink } from '../../helpers/recording-sink.js';

/** One record type's answer: addresses, an error code, or whatever a broken resolver gives. */
type Answer = unknown[] | { readonly code: string } | 'not a list' | 'hang';

/** A resolver whose answers the test sets per record type; logs every question. */
class FakeResolver implements DnsResolver {
  a: Answer = [];
  aaaa: Answer = [];
  readonly questions: string[] = [];
  cancelled = 0;
  #hanging: Array<(error: Error) => void> = [];

  resolve4(name: string): Promise<string[]> {
    this.questions.push(`A ${name}`);
    return this.#answer(this.a);
  }

  resolve6(name: string): Promise<string[]> {
    this.questions.push(`AAAA ${name}`);
    return this.#answer(this.aaaa);
  }

  cancel(): void {
    this.cancelled += 1;
    for (const reject of this.#hanging) reject(Object.assign(new Error('cancelled'), { code: 'ECANCELLED' }));
    this.#hanging = [];
  }

  async #answer(answer: Answer): Promise<string[]> {
    if (answer === 'hang') return new Promise((_resolve, reject) => { this.#hanging.push(reject); });
    if (answer === 'not a list') return answer as unknown as string[];
    if (Array.isArray(answer)) return answer as string[];
    throw Object.assign(new Error(`query failed ${answer.code}`), answer);
  }
}

const NAME = 'peers.swarm.svc';
let resolver: FakeResolver;
let sink: RecordingSink;
let source: DnsSource | null;

beforeEach(() => {
  vi.useFakeTimers();
  resolver = new FakeResolver();
  sink = new RecordingSink();
  source = null;
});

afterEach(async () => {
  await source?.stop();
  vi.useRealTimers();
});

async function started(options: Partial<DnsSourceOptions> = {}): Promise<DnsSource> {
  source = new DnsSource({ name: NAME, port: 41771, resolver, intervalMs: 1000, ...options });
  await source.start(LOCAL_PEER, [], sink);
  await vi.advanceTimersByTimeAsync(0);
  return source;
}

describe('DnsSource', () => {
  it('reports every A and AAAA record with the port, then answers', async () => {
    resolver.a = ['10.0.0.5', '10.0.0.6'];
    resolver.aaaa = ['fd00::5'];
    await started();
    expect(resolver.questions).toEqual([`A ${NAME}`, `AAAA ${NAME}`]);
    expect(sink.batchAddresses()).toEqual([['10.0.0.5:41771', '10.0.0.6:41771', '[fd00::5]:41771']]);
    expect(sink.batches[0]?.every((candidate) => candidate.swarmId === null && candidate.peerId === null)).toBe(true);
    expect(sink.answers).toEqual([null]);
    expect(sink.warnings).toEqual([]);
  });

  it('takes A records alone when the name has no AAAA (NODATA), without a warning', async () => {
    resolver.a = ['10.0.0.5'];
    resolver.aaaa = { code: 'ENODATA' };
    await started();
    expect(sink.batchAddresses()).toEqual([['10.0.0.5:41771']]);
    expect(sink.warnings).toEqual([]);
  });

  it('asks again every intervalMs and reports what the name holds now', async () => {
    resolver.a = ['10.0.0.5'];
    await started();
    resolver.a = ['10.0.0.5', '10.0.0.6'];
    await vi.advanceTimersByTimeAsync(999);
    expect(sink.batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.batchAddresses()).toEqual([['10.0.0.5:41771'], ['10.0.0.5:41771', '10.0.0.6:41771']]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sink.batches).toHaveLength(3);
    expect(sink.answers).toEqual([null]);
  });

  it('asks every 30 s by default', async () => {
    resolver.a = ['10.0.0.5'];
    source = new DnsSource({ name: NAME, port: 41771, resolver });
    await source.start(LOCAL_PEER, [], sink);
    await vi.advanceTimersByTimeAsync(0);
    expect(DEFAULT_DNS_INTERVAL_MS).toBe(30_000);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(resolver.questions).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(resolver.questions).toHaveLength(4);
  });

  it('warns once that a name has no records (yet), answers anyway, and follows the records when they come', async () => {
    resolver.a = { code: 'ENOTFOUND' };
    resolver.aaaa = { code: 'ENOTFOUND' };
    await started();
    expect(sink.answers).toEqual([null]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(sink.warnings).toEqual([`--peers-dns ${NAME}: ${NAME} has no A/AAAA records (yet); asking again every 1 s`]);
    expect(resolver.questions).toHaveLength(8);
    resolver.a = ['10.0.0.5'];
    await vi.advanceTimersByTimeAsync(1000);
    expect(sink.batchAddresses()).toEqual([['10.0.0.5:41771']]);
    resolver.a = [];
    resolver.aaaa = [];
    await vi.advanceTimersByTimeAsync(2000);
    expect(sink.warnings).toHaveLength(2);
    expect(sink.answers).toEqual([null]);
  });

  it('warns once with the code for a failed lookup, and again when the failure changes', async () => {
    resolver.a = { code: 'ETIMEOUT' };
    resolver.aaaa = { code: 'ETIMEOUT' };
    await started();
    await vi.advanceTimersByTimeAsync(2000);
    resolver.a = { code: 'ECONNREFUSED' };
    await vi.advanceTimersByTimeAsync(2000);
    expect(sink.warnings).toEqual([
      `--peers-dns ${NAME}: DNS lookup failed (A ETIMEOUT, AAAA ETIMEOUT); asking again every 1 s`,
      `--peers-dns ${NAME}: DNS lookup failed (A ECONNREFUSED, AAAA ETIMEOUT); asking again every 1 s`,
    ]);
    expect(sink.answers).toEqual([null]);
  });

  it('reports the records it has while warning about the record type that failed', async () => {
    resolver.a = ['10.0.0.5'];
    resolver.aaaa = { code: 'EBADRESP' };
    await started();
    expect(sink.batchAddresses()).toEqual([['10.0.0.5:41771']]);
    expect(sink.warnings).toEqual([`--peers-dns ${NAME}: DNS lookup failed (AAAA EBADRESP); asking again every 1 s`]);
  });

  it('drops addresses that are not dialable, and warns when none is left', async () => {
    resolver.a = ['0.0.0.0', '10.0.0.5', '224.0.0.1', 7, '10.0.0.5'];
    resolver.aaaa = ['ff02::1', '::'];
    await started();
    expect(sink.batchAddresses()).toEqual([['10.0.0.5:41771']]);
    expect(sink.warnings).toEqual([]);
    resolver.a = ['0.0.0.0', '255.255.255.255'];
    resolver.aaaa = ['ff02::1'];
    await vi.advanceTimersByTimeAsync(1000);
    expect(sink.warnings).toEqual([`--peers-dns ${NAME}: ${NAME} has no dialable address in its A/AAAA records (0.0.0.0, 255.255.255.255, ff02::1); asking again every 1 s`]);
    expect(sink.batches).toHaveLength(1);
  });

  it('reads at most maxAddresses addresses per answer, and says so once', async () => {
    resolver.a = Array.from({ length: 300 }, (_, index) => `10.1.${index >> 8}.${index & 0xff}`);
    resolver.aaaa = ['fd00::1'];
    await started({ maxAddresses: 100 });
    await vi.advanceTimersByTimeAsync(2000);
    expect(sink.batches.map((batch) => batch.length)).toEqual([100, 100, 100]);
    expect(sink.warnings).toEqual([`--peers-dns ${NAME}: more than 100 records; only the first 100 are taken`]);
    sink.clear();
    await source?.stop();
    await started({ maxAddresses: 256 });
    expect(sink.batches[0]).toHaveLength(256);
  });

  it('turns malformed answers and resolvers that throw at once into warnings', async () => {
    resolver.a = 'not a list';
    resolver.aaaa = ['fd00::5'];
    await started();
    expect(sink.batchAddresses()).toEqual([['[fd00::5]:41771']]);
    expect(sink.warnings).toEqual([`--peers-dns ${NAME}: DNS lookup failed (A a malformed answer); asking again every 1 s`]);
    sink.clear();
    await source?.stop();
    const throwing: DnsResolver = {
      resolve4: () => { throw new Error('thrown, not rejected'); },
      resolve6: () => { throw Object.assign(new Error('x'), { code: 'EBADNAME' }); },
    };
    await started({ resolver: throwing });
    expect(sink.warnings).toEqual([`--peers-dns ${NAME}: DNS lookup failed (A unknown error, AAAA EBADNAME); asking again every 1 s`]);
    expect(sink.answers).toEqual([null]);
  });

  it('does not ask again before the last answer settled', async () => {
    resolver.a = 'hang';
    await started();
    await vi.advanceTimersByTimeAsync(5000);
    expect(resolver.questions).toHaveLength(2);
    expect(sink.answers).toEqual([]);
  });

  it('stop() clears the timer, cancels questions under way and reports nothing after', async () => {
    resolver.a = ['10.0.0.5'];
    const dns = await started();
    resolver.a = 'hang';
    await vi.advanceTimersByTimeAsync(1000);
    await dns.stop();
    expect(resolver.cancelled).toBe(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(sink.batches).toHaveLength(1);
    expect(sink.warnings).toEqual([]);
    expect(resolver.questions).toHaveLength(4);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('throws a TypeError for misuse', async () => {
    const bad: unknown[] = [
      { name: '10.0.0.5', port: 1 },
      { name: 'bad name', port: 1 },
      { name: 42, port: 1 },
      { name: NAME, port: 0 },
      { name: NAME, port: 1, servers: ['dns.example'] },
      { name: NAME, port: 1, servers: [53] },
      { name: NAME, port: 1, servers: ['127.0.0.1'], resolver },
      { name: NAME, port: 1, intervalMs: 0 },
      { name: NAME, port: 1, maxAddresses: 0 },
      { name: NAME, port: 1, maxAddresses: 1.5 },
    ];
    for (const options of bad) expect(() => new DnsSource(options as DnsSourceOptions), JSON.stringify(options)).toThrow(TypeError);
    expect(() => new DnsSource({ name: 'bad name', port: 1 })).toThrow(/"bad name"/);
    const dns = await started();
    await expect(dns.start(LOCAL_PEER, [], sink)).rejects.toThrow(TypeError);
  });
});
