/**
 * The Reporter's handling of origin retries: the TTY bar says what failed and counts down to the
 * next attempt until `origin-ok`; without a TTY each event is a line; `--json` passes them on.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Reporter, type OutputStream, type ReportMode } from '../../../src/cli/reporter.js';
import type { DownloadEvent } from '../../../src/session/download.js';

const MiB = 1024 * 1024;

function capture(columns = 160): { stream: OutputStream; text: () => string } {
  const stream = new PassThrough() as PassThrough & OutputStream;
  stream.columns = columns;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

function reporter(mode: ReportMode): { reporter: Reporter; out: () => string; err: () => string } {
  const out = capture();
  const err = capture();
  return { reporter: new Reporter(mode, 'swarm-download', out.stream, err.stream), out: out.text, err: err.text };
}

const progress: DownloadEvent = {
  event: 'progress', bytes: 4 * MiB, size: 16 * MiB, originBytes: 4 * MiB, peerBytes: 0, peers: 2,
  rateBytesPerSec: 0, etaSeconds: null, uploadedBytes: 0, peersBySource: {},
};
const retry: DownloadEvent = {
  event: 'origin-retry', attempt: 5, delayMs: 8000, reason: 'cannot reach http://o/f: connect ECONNREFUSED 127.0.0.1:80', code: 'ORIGIN_UNREACHABLE',
};
const ok: DownloadEvent = { event: 'origin-ok', failedForMs: 61_000, attempts: 9 };

/** The last redraw of the bar on a TTY stream. */
function lastBar(text: string): string {
  return (text.split('\r').at(-1) ?? '').replace('\x1b[K', '');
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Reporter: origin retries', () => {
  it('on a TTY, the bar counts down to the next attempt and returns to normal after origin-ok', () => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
    const { reporter: r, err } = reporter('tty');
    r.event(progress);
    expect(lastBar(err())).toContain('ETA --');
    r.event(retry);
    expect(lastBar(err())).toContain('4 MiB/16 MiB  origin unreachable, retrying in 8s (attempt 5)  0 B from 2 peers');
    vi.setSystemTime(1_000_000 + 5_000);
    r.event(progress);
    expect(lastBar(err())).toContain('origin unreachable, retrying in 3s (attempt 5)');
    vi.setSystemTime(1_000_000 + 9_000);
    r.event(progress);
    expect(lastBar(err())).toContain('origin unreachable, retrying now (attempt 5)');
    r.event(ok);
    expect(lastBar(err())).toContain('ETA --');
    expect(lastBar(err())).not.toContain('retrying');
  });

  it('on a TTY before any progress (the probe), the retry alone is shown', () => {
    const { reporter: r, err } = reporter('tty');
    r.event(retry);
    expect(lastBar(err())).toBe('swarm-download: origin unreachable, retrying in 8s (attempt 5)');
  });

  it('without a TTY, each retry and the recovery is a line', () => {
    const { reporter: r, err } = reporter('plain');
    r.event(progress);
    r.event(retry);
    r.event(ok);
    expect(err()).toBe([
      `swarm-download: origin unreachable, retrying in 8s (attempt 5): ${retry.reason}`,
      'swarm-download: the origin answers again (it failed for 1m1s, 9 attempts)',
      '',
    ].join('\n'));
  });

  it('with --json, the events go to stdout as they are; with --quiet, nowhere', () => {
    const json = reporter('json');
    json.reporter.event(retry);
    json.reporter.event(ok);
    const lines = json.out().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ ...retry, ts: expect.any(String) }), expect.objectContaining({ ...ok, ts: expect.any(String) })]);
    expect(json.err()).toBe('');
    const quiet = reporter('quiet');
    quiet.reporter.event(retry);
    expect(quiet.err()).toBe('');
  });
});
