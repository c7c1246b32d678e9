import { describe, expect, it } from 'vitest';
import { formatFileInfo, formatFiles } from '../../../src/cli/format-status.js';
import type { FileInfo, FileStatus } from '../../../src/control/api-types.js';

const MiB = 1024 * 1024;

function status(overrides: Partial<FileStatus> = {}): FileStatus {
  return {
    id: `${'ab'.repeat(16)}-${64 * MiB}`, md5: 'ab'.repeat(16), size: 64 * MiB, pieceBytes: MiB, pieceCount: 64, piecesHeld: 16, bytesHeld: 16 * MiB,
    state: 'downloading', path: '/cache/files/x/data', urls: ['http://h/f.iso'], pinned: false, readers: 0, lastUsed: '2026-01-01T00:00:00.000Z',
    peers: 0, originBytes: 16 * MiB, peerBytes: 0, uploadedBytes: 0, downloadRateBytesPerSec: 16 * MiB, uploadRateBytesPerSec: 0, etaSeconds: 3, error: null,
    ...overrides,
  };
}

describe('formatFiles', () => {
  it.each([
    [0, '0 files'],
    [1, '1 file,'],
    [2, '2 files'],
  ])('counts %i file(s) in the usage line: %s', (count, words) => {
    const files = Array.from({ length: count }, () => status());
    const text = formatFiles({ files, usedBytes: 0, maxStorageBytes: null });
    expect(text.trimEnd().split('\n').at(-1)).toBe(`${words}${words.endsWith(',') ? '' : ','} 0 B used of no limit`);
  });
});

describe('formatFileInfo', () => {
  const info = (overrides: Partial<FileStatus>): FileInfo => ({ ...status(overrides), peerList: [], trackerInfoHash: '00'.repeat(20) });
  const ratesLine = (text: string): string | undefined => text.split('\n').find((line) => line.startsWith('rates'));

  it('shows the ETA beside the down rate while downloading', () => {
    expect(ratesLine(formatFileInfo(info({})))).toBe('rates      down 16 MiB/s, up 0 B/s, ETA 3s');
  });

  it('shows -- only while the rate is unknown', () => {
    expect(ratesLine(formatFileInfo(info({ downloadRateBytesPerSec: 0, etaSeconds: null })))).toBe('rates      down 0 B/s, up 0 B/s, ETA --');
  });
});
