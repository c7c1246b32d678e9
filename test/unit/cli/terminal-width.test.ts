import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Reporter, type OutputStream } from '../../../src/cli/reporter.js';
import { DEFAULT_TERMINAL_COLUMNS, terminalWidth } from '../../../src/cli/terminal-width.js';
import type { DownloadEvent } from '../../../src/session/download.js';

describe('terminalWidth', () => {
  it.each([
    [undefined, 80],
    [0, 80],
    [-1, 80],
    [Number.NaN, 80],
    [Number.POSITIVE_INFINITY, 80],
    [79.5, 80],
    [1, 1],
    [40, 40],
    [80, 80],
    [300, 300],
  ])('%s columns -> %i', (columns, width) => {
    expect(terminalWidth(columns)).toBe(width);
  });

  it('falls back to the classic 80', () => {
    expect(DEFAULT_TERMINAL_COLUMNS).toBe(80);
  });
});

const PROGRESS: DownloadEvent = {
  event: 'progress', bytes: 512, size: 1024, originBytes: 512, peerBytes: 0, peers: 0,
  rateBytesPerSec: 100, etaSeconds: 5, uploadedBytes: 0, peersBySource: {},
};

/** The progress line a TTY reporter draws on a stderr that reports `columns`. */
function drawnBar(columns: number | undefined): string {
  const chunks: string[] = [];
  const sink = new Writable({ decodeStrings: false, write: (chunk: string, _encoding, done) => { chunks.push(chunk); done(); } });
  const err: OutputStream = Object.assign(sink, { isTTY: true }, columns === undefined ? {} : { columns });
  new Reporter('tty', 'swarm-download', new PassThrough(), err).event(PROGRESS);
  // eslint-disable-next-line no-control-regex
  return chunks.join('').replace(/^\r|\x1b\[K$/g, '');
}

describe('Reporter on a terminal of unknown width', () => {
  it.each([0, undefined])('draws the 80-column bar when the terminal reports %s columns', (columns) => {
    const line = drawnBar(columns);
    expect(line).toBe(drawnBar(80));
    expect(line).toMatch(/^\[#+\.+\] {2}50% {2}/);
    expect(line.length).toBeLessThanOrEqual(80);
  });

  it('still fits a terminal that reports its width', () => {
    expect(drawnBar(40).length).toBeLessThanOrEqual(40);
  });
});
