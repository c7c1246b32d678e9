/**
 * TrackerSource over real HTTP on loopback: (a) against a real opentracker (Debian's, with a
 * config file of our own that binds 127.0.0.1 only), (b) against hostile trackers (node http
 * servers on 127.0.0.1). Synchronisation is by events (sink calls, requests received, timers
 * scheduled); the re-announce timers are fired by the test through a ManualScheduler.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalPeer, PeerSourceSink } from '../../src/peer-sources/peer-source.js';
import { trackerInfoHash } from '../../src/peer-sources/tracker-info-hash.js';
import { TrackerSource, type TrackerSourceOptions } from '../../src/peer-sources/tracker-source.js';
import { compactPeers, encodeTrackerAnswer } from '../../src/testing/tracker-answers.js';
import { FakeTracker, ManualScheduler, RecordingSink, answerWith, hugeBody, type FakeHandler } from '../helpers/fake-tracker.js';
import { OPENTRACKER_MISSING, startOpentracker } from '../helpers/opentracker.js';

const SWARM = Buffer.alloc(32, 0x5a);
const LOCAL = { peerId: Buffer.from('-SW0001-test00000001', 'latin1'), tcpPort: 40001 };
const BIG_BYTES = 50 * 1024 * 1024;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

const trackers: FakeTracker[] = [];
const sources: TrackerSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.stop()));
  await Promise.all(trackers.splice(0).map((tracker) => tracker.close()));
  expect(unhandled).toEqual([]);
});

function peerId(n: number): Buffer {
  return Buffer.from(`-SW0001-peer${String(n).padStart(8, '0')}`, 'latin1');
}

async function started(
  options: TrackerSourceOptions, local: LocalPeer = LOCAL, sink = new RecordingSink(), swarm: Buffer = SWARM,
): Promise<{ source: TrackerSource; sink: RecordingSink }> {
  const source = new TrackerSource(options);
  sources.push(source);
  await source.start(local, [{ swarmId: swarm, leftBytes: 1000 }], sink);
  await sink.waiters.until(() => sink.answeredFor.length > 0, 'answered()');
  return { source, sink };
}

describe.skipIf(OPENTRACKER_MISSING !== null)(`TrackerSource against opentracker${OPENTRACKER_MISSING === null ? '' : ` (skipped: ${OPENTRACKER_MISSING})`}`, () => {
  it('two sources find each other through it, and stopped takes one off its list', async () => {
    const opentracker = await startOpentracker([trackerInfoHash(SWARM)]);
    try {
      const [port1, port2, port3] = [41001, 41002, 41003];
      const scheduler1 = new ManualScheduler();
      const first = await started({ urls: [opentracker.url], scheduler: scheduler1 }, { peerId: peerId(1), tcpPort: port1 });
      // opentracker lists the announcing peer itself.
      expect(first.sink.found).toEqual([{ address: '127.0.0.1', port: port1, swarmId: SWARM, peerId: null }]);

      const second = await started({ urls: [opentracker.url], scheduler: new ManualScheduler() }, { peerId: peerId(2), tcpPort: port2 });
      expect(second.sink.addresses()).toContain(`127.0.0.1:${port1}`);

      // Incomplete: 30 s at most, but opentracker's min interval (about 15 min) wins.
      expect(scheduler1.delays()).toHaveLength(1);
      expect(scheduler1.delays()[0]).toBeGreaterThan(30_000);
      scheduler1.fireAll();
      await first.sink.waiters.until(() => first.sink.addresses().includes(`127.0.0.1:${port2}`), 'the first to see the second');

      await first.source.stop();
      const third = await started({ urls: [opentracker.url], scheduler: new ManualScheduler() }, { peerId: peerId(3), tcpPort: port3 });
      expect(third.sink.addresses()).toContain(`127.0.0.1:${port2}`);
      expect(third.sink.addresses()).not.toContain(`127.0.0.1:${port1}`);
      expect([first, second, third].flatMap(({ sink }) => sink.warnings)).toEqual([]);
    } finally {
      await Promise.all(sources.splice(0).map((source) => source.stop()));
      await opentracker.stop();
    }
  });
});

async function hostile(handler: FakeHandler, options: Partial<TrackerSourceOptions> = {}): Promise<{ source: TrackerSource; sink: RecordingSink }> {
  const tracker = await FakeTracker.start(handler);
  trackers.push(tracker);
  const run = await started({ urls: [tracker.url()], scheduler: new ManualScheduler(), ...options });
  expect(run.sink.answeredFor).toEqual([SWARM]);
  return run;
}

describe('TrackerSource against hostile trackers', () => {
  it('garbage: one warning that it is not a tracker answer', async () => {
    const { source, sink } = await hostile(answerWith(Buffer.from('<html><body>It works!</body></html>')));
    expect(sink.warnings).toEqual([expect.stringMatching(/^tracker http:\/\/127\.0\.0\.1:\d+\/announce sent something that is not a tracker answer \(not bencode/)]);
    expect(sink.found).toEqual([]);
    await source.stop();
  });

  it.each([true, false])('a 50 MB body (Content-Length declared: %s) is given up early: too large', async (declareLength) => {
    const { handler, written } = hugeBody(BIG_BYTES, declareLength);
    const { source, sink } = await hostile(handler);
    expect(sink.warnings).toEqual([expect.stringMatching(/sent an answer over 262144 bytes, too large for a tracker answer/)]);
    expect(await written).toBeLessThan(BIG_BYTES / 5);
    await source.stop();
  });

  it('10,000 compact peers: at most maxPeers candidates', async () => {
    const peers = Array.from({ length: 10_000 }, (_, i) => ({ address: `10.${i >> 16}.${(i >> 8) & 0xff}.${i & 0xff}`, port: 6881 }));
    const { source, sink } = await hostile(answerWith(encodeTrackerAnswer({ interval: 900, peers: compactPeers(peers, 4) })), { maxPeers: 100 });
    expect(sink.found).toHaveLength(100);
    expect(sink.found[99]).toEqual({ address: '10.0.0.99', port: 6881, swarmId: SWARM, peerId: null });
    expect(sink.warnings).toEqual([]);
    await source.stop();
  });

  it('a tracker that never answers: a warning after the timeout, answered() still called', async () => {
    const { source, sink } = await hostile(() => undefined, { timeoutMs: 300 });
    expect(sink.warnings).toEqual([expect.stringMatching(/did not answer within 0\.3 s; check that it is up and reachable/)]);
    await source.stop();
  });

  it('a failure reason: the warning quotes it and names the info hash to allow', async () => {
    const reason = 'Requested download is not authorized for use with this tracker.';
    const { source, sink } = await hostile(answerWith(encodeTrackerAnswer({ failureReason: reason })));
    expect(sink.warnings).toEqual([expect.stringContaining(`refused the announce: "${reason}"; if it serves only listed torrents, ask its operator to allow info hash ${trackerInfoHash(SWARM).toString('hex')}`)]);
    await source.stop();
  });

  it('HTTP 500: a warning with the status', async () => {
    const { source, sink } = await hostile(answerWith(Buffer.from('oops'), 500));
    expect(sink.warnings).toEqual([expect.stringMatching(/answered HTTP 500; check that the URL is the tracker's announce URL/)]);
    await source.stop();
  });

  it('connection refused: a warning naming it', async () => {
    const closed = await FakeTracker.start(() => undefined);
    const url = closed.url();
    await closed.close();
    const { source, sink } = await started({ urls: [url], scheduler: new ManualScheduler() });
    expect(sink.warnings).toEqual([`tracker ${url.href} refused the connection (ECONNREFUSED); check the URL's host and port and that the tracker is running (retrying with backoff)`]);
    await source.stop();
  });

  it('a sink that throws stops nothing', async () => {
    const tracker = await FakeTracker.start(answerWith(encodeTrackerAnswer({ interval: 900, peers: [{ address: '10.0.0.1', port: 1 }] })));
    trackers.push(tracker);
    const recording = new RecordingSink();
    const throwing: PeerSourceSink = {
      candidates: () => { throw new Error('sink bug'); },
      answered: (id) => recording.answered(id),
      warning: () => { throw new Error('sink bug'); },
    };
    const scheduler = new ManualScheduler();
    const source = new TrackerSource({ urls: [tracker.url()], scheduler });
    sources.push(source);
    await source.start(LOCAL, [{ swarmId: SWARM, leftBytes: 1 }], throwing);
    await recording.waiters.until(() => recording.answeredFor.length === 1, 'answered()');
    expect(scheduler.delays()).toEqual([30_000]);
    await source.stop();
  });
});
