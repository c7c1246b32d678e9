/**
 * TrackerSource's announce schedule over real HTTP on loopback, against fake trackers (node http
 * servers on 127.0.0.1): the events trackers hear and when, backoff and warning dedupe, and stop()
 * against a tracker that hangs. The schedule's timers are fired by the test (ManualScheduler);
 * every wait is on an event.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { trackerInfoHash } from '../../src/peer-sources/tracker-info-hash.js';
import { TrackerSource, type TrackerSourceOptions } from '../../src/peer-sources/tracker-source.js';
import { encodeTrackerAnswer, type TrackerAnswerFields } from '../../src/testing/tracker-answers.js';
import { FakeTracker, ManualScheduler, RecordingSink, answerWith, type FakeHandler } from '../helpers/fake-tracker.js';

const SWARM = Buffer.alloc(32, 0x33);
const LOCAL = { peerId: Buffer.from('-SW0001-sched0000001', 'latin1'), tcpPort: 40002 };
const GOOD = encodeTrackerAnswer({ interval: 900, peers: [{ address: '10.0.0.1', port: 7000 }] });

const trackers: FakeTracker[] = [];
const sources: TrackerSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.stop()));
  await Promise.all(trackers.splice(0).map((tracker) => tracker.close()));
});

async function fake(handler: FakeHandler): Promise<FakeTracker> {
  const tracker = await FakeTracker.start(handler);
  trackers.push(tracker);
  return tracker;
}

async function run(tracker: FakeTracker, options: Partial<TrackerSourceOptions> = {}, leftBytes = 1000) {
  const scheduler = new ManualScheduler();
  const sink = new RecordingSink();
  const source = new TrackerSource({ urls: [tracker.url()], scheduler, ...options });
  sources.push(source);
  await source.start(LOCAL, [{ swarmId: SWARM, leftBytes }], sink);
  return { scheduler, sink, source };
}

/** Waits until exactly one timer is pending, and returns its delay. */
async function nextDelay(scheduler: ManualScheduler): Promise<number> {
  await scheduler.waiters.until(() => scheduler.pending.size === 1, 'a timer');
  return scheduler.delays()[0] ?? -1;
}

/** A handler answering the n-th announce with `answers[n]` (the last one repeated), a status or bytes. */
function inTurn(answers: readonly (number | TrackerAnswerFields)[]): FakeHandler {
  return (announce, request, response, index) => {
    const answer = answers[Math.min(index, answers.length - 1)] ?? 500;
    if (typeof answer === 'number') answerWith(Buffer.from('down'), answer)(announce, request, response, index);
    else answerWith(encodeTrackerAnswer(answer))(announce, request, response, index);
  };
}

describe('TrackerSource schedule', () => {
  it('started, again every 30 s while incomplete, completed at once, then the interval; stopped when the swarm leaves', async () => {
    const tracker = await fake(answerWith(GOOD));
    const { scheduler, sink, source } = await run(tracker);
    await tracker.requests(1);
    expect(tracker.received[0]).toMatchObject({
      path: '/announce', infoHash: trackerInfoHash(SWARM), peerId: LOCAL.peerId, port: LOCAL.tcpPort, left: 1000, event: 'started', numwant: 50,
    });
    expect(tracker.received[0]?.query).toContain('&compact=1&no_peer_id=1&');
    expect(await nextDelay(scheduler)).toBe(30_000);
    expect(sink.found).toEqual([{ address: '10.0.0.1', port: 7000, swarmId: SWARM, peerId: null }]);
    expect(sink.answeredFor).toEqual([SWARM]);

    scheduler.fireAll();
    await tracker.requests(2);
    expect(tracker.received[1]?.event).toBeNull();
    expect(await nextDelay(scheduler)).toBe(30_000);

    source.update([{ swarmId: SWARM, leftBytes: 0 }]);
    await tracker.requests(3);
    expect(tracker.received[2]).toMatchObject({ event: 'completed', left: 0 });
    expect(await nextDelay(scheduler)).toBe(900_000);

    source.update([]);
    await tracker.requests(4);
    expect(tracker.received[3]).toMatchObject({ event: 'stopped', numwant: 0 });
    expect(scheduler.pending.size).toBe(0);
    expect(sink.answeredFor).toEqual([SWARM]);
    expect(sink.warnings).toEqual([]);
  });

  it('the min interval wins over 30 s; a swarm complete from the start hears no completed', async () => {
    const tracker = await fake(answerWith(encodeTrackerAnswer({ interval: 900, minInterval: 120, peers: [] })));
    const { scheduler } = await run(tracker);
    expect(await nextDelay(scheduler)).toBe(120_000);

    const complete = await run(tracker, {}, 0);
    await tracker.requests(2);
    expect(tracker.received[1]).toMatchObject({ event: 'started', left: 0 });
    expect(await nextDelay(complete.scheduler)).toBe(900_000);
    complete.scheduler.fireAll();
    await tracker.requests(3);
    expect(tracker.received[2]?.event).toBeNull();
  });

  it('an update from inside a sink call: completed at once, and one timer after it', async () => {
    const tracker = await fake(answerWith(GOOD));
    const scheduler = new ManualScheduler();
    const sink = new RecordingSink();
    const source = new TrackerSource({ urls: [tracker.url()], scheduler });
    sources.push(source);
    sink.candidates = () => source.update([{ swarmId: SWARM, leftBytes: 0 }]);
    await source.start(LOCAL, [{ swarmId: SWARM, leftBytes: 1000 }], sink);
    await tracker.requests(2);
    expect(tracker.received.map((announce) => announce.event)).toEqual(['started', 'completed']);
    expect(await nextDelay(scheduler)).toBe(900_000);
    expect(tracker.received).toHaveLength(2);
  });

  it('a failing tracker: backoff, and one warning until it has answered well again', async () => {
    const tracker = await fake(inTurn([500, 500, 500, { interval: 900, peers: [] }, 500]));
    const { scheduler, sink } = await run(tracker);
    const delays: number[] = [];
    for (let n = 1; n <= 4; n++) {
      delays.push(await nextDelay(scheduler));
      scheduler.fireAll();
      await tracker.requests(n + 1);
    }
    await sink.waiters.until(() => sink.warnings.length === 2, 'the second warning');
    expect(delays).toEqual([15_000, 30_000, 60_000, 30_000]);
    expect(sink.warnings).toHaveLength(2);
    expect(sink.warnings[1]).toBe(sink.warnings[0]);
    expect(tracker.received.map((announce) => announce.event)).toEqual(['started', 'started', 'started', 'started', null]);
    expect(sink.answeredFor).toEqual([SWARM]);
  });

  it("the tracker's warning message is shown once while it stays the same", async () => {
    const tracker = await fake(answerWith(encodeTrackerAnswer({ interval: 900, warningMessage: 'be\nnice', peers: [] })));
    const { scheduler, sink } = await run(tracker);
    await nextDelay(scheduler);
    scheduler.fireAll();
    await tracker.requests(2);
    await nextDelay(scheduler);
    expect(sink.warnings).toEqual([`tracker ${tracker.url().href} says: "be nice"`]);
  });

  it('passkeys in the path or the query never appear in warnings', async () => {
    const tracker = await fake(answerWith(Buffer.from('nope'), 403));
    const passkey = '0123456789abcdef0123456789abcdef';
    const { sink } = await run(tracker, { urls: [tracker.url(`/${passkey}/announce?passkey=SECRETKEY`)] });
    await sink.waiters.until(() => sink.warnings.length === 1, 'a warning');
    expect(tracker.received[0]?.path).toBe(`/${passkey}/announce`);
    expect(tracker.received[0]?.query).toMatch(/^passkey=SECRETKEY&info_hash=/);
    expect(sink.warnings[0]).toContain(`tracker http://127.0.0.1:${tracker.port}/…/announce?… answered HTTP 403`);
    expect(sink.warnings[0]).not.toMatch(/0123456789abcdef|SECRETKEY/);
  });

  it('answered() once the first tracker answers, though another hangs', async () => {
    const good = await fake(answerWith(GOOD));
    const hanging = await fake(() => undefined);
    const { sink } = await run(good, { urls: [hanging.url(), good.url()] });
    await sink.waiters.until(() => sink.answeredFor.length === 1, 'answered()');
    await hanging.requests(1);
    expect(sink.found).toHaveLength(1);
    expect(sink.warnings).toEqual([]);
  });

  it('stop() resolves within about 2 s when the tracker hangs on stopped', async () => {
    const tracker = await fake((announce, request, response, index) => {
      if (index === 0) answerWith(GOOD)(announce, request, response, index);
    });
    const { sink, source } = await run(tracker);
    await sink.waiters.until(() => sink.answeredFor.length === 1, 'answered()');
    const startedMs = performance.now();
    await source.stop();
    expect(performance.now() - startedMs).toBeLessThan(3_000);
    expect(tracker.received.map((announce) => announce.event)).toEqual(['started', 'stopped']);
  });

  it('TypeError on bad options and misuse', async () => {
    expect(() => new TrackerSource({ urls: [] })).toThrow(/urls must be a non-empty array of URLs/);
    expect(() => new TrackerSource({ urls: [new URL('udp://t.example:1337')] })).toThrow(/urls must be http: or https: URLs, got udp:/);
    expect(() => new TrackerSource({ urls: [new URL('http://t.example/announce')], timeoutMs: 0 })).toThrow(/timeoutMs must be an integer >= 1, got 0/);
    const source = new TrackerSource({ urls: [new URL('http://127.0.0.1:9/announce')] });
    // Before start, update() only records nothing (start's list is the one that counts), but still checks.
    expect(() => source.update([])).not.toThrow();
    expect(() => source.update([{ swarmId: Buffer.alloc(3), leftBytes: 0 }])).toThrow(TypeError);
    await expect(source.start({ peerId: Buffer.alloc(19), tcpPort: 1 }, [], new RecordingSink())).rejects.toThrow(/local.peerId must be 20 bytes/);
    await source.stop();
  });
});
