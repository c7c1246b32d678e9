/**
 * The errno behind a storage failure chooses the advice (src/errors.ts `storageAdvice`), and the
 * setting named in it is the one that gave the path.
 */
import { describe, expect, it } from 'vitest';
import { ExitCode, storageAdvice, storageErrorFrom, type StoragePlace } from '../../src/errors.js';

const PATH = '/mnt/x/file.bin';

describe('storageAdvice', () => {
  it.each<[string, RegExp]>([
    ['EROFS', /^read-only file system at \/mnt\/x\/file\.bin \(EROFS\); remount it read-write or .* on a writable file system$/],
    ['EACCES', /^permission denied on \/mnt\/x\/file\.bin \(EACCES\); this user may not write there: fix its owner or mode, or /],
    ['EPERM', /^permission denied on \/mnt\/x\/file\.bin \(EPERM\); /],
    ['ENOSPC', /^no space left on device writing \/mnt\/x\/file\.bin \(ENOSPC\); free some space or .* on a larger disk$/],
    ['EDQUOT', /^disk quota exceeded writing .* \(EDQUOT\); free some space/],
    ['ENOENT', /^\/mnt\/x\/file\.bin does not exist \(ENOENT\): its directory is missing; create it or /],
    ['ENOTDIR', /^a part of \/mnt\/x\/file\.bin is a file, not a directory \(ENOTDIR\); remove that file or /],
    ['EEXIST', /^\/mnt\/x\/file\.bin exists and is not a directory \(EEXIST\); remove it or /],
    ['EISDIR', /^\/mnt\/x\/file\.bin is a directory \(EISDIR\); /],
    ['ENAMETOOLONG', /too long a path \(ENAMETOOLONG\)/],
    ['ELOOP', /loop of symbolic links \(ELOOP\)/],
    ['EIO', /^I\/O error on .* \(EIO\); the disk may be failing/],
  ])('%s', (errno, advice) => {
    const text = storageAdvice(errno, PATH, 'output');
    expect(text).toMatch(advice);
    // Only ENOENT may say a path does not exist; only EROFS may say read-only.
    expect(/does not exist/.test(text ?? '')).toBe(errno === 'ENOENT');
    expect(/read-only/.test(text ?? '')).toBe(errno === 'EROFS');
  });

  it.each<[StoragePlace, string]>([
    ['storage-directory', 'pass another --storage-directory'],
    ['output', 'choose another -o PATH'],
    ['control-socket', 'pass another --control-socket'],
    ['metrics-file', 'choose another --metrics-file PATH'],
  ])('names the setting to change: %s', (place, setting) => {
    for (const errno of ['EROFS', 'EACCES', 'ENOSPC', 'ENOENT', 'ENOTDIR', 'EEXIST']) {
      expect(storageAdvice(errno, PATH, place)).toContain(setting);
    }
  });

  it.each(['ECONNRESET', 'EADDRINUSE', 'EWHATEVER', ''])('has no advice for %j', (errno) => {
    expect(storageAdvice(errno, PATH, 'storage-directory')).toBeNull();
  });
});

describe('storageErrorFrom', () => {
  it('is a SWARM_STORAGE error, exit 5, carrying the cause', () => {
    const cause = Object.assign(new Error('EROFS: read-only file system, mkdir'), { code: 'EROFS' });
    const err = storageErrorFrom(cause, '/srv/cache', 'storage-directory');
    expect(err).toMatchObject({ code: 'SWARM_STORAGE', exitCode: ExitCode.storage, cause });
    expect(err?.message).toBe('read-only file system at /srv/cache (EROFS); remount it read-write or pass another --storage-directory on a writable file system');
  });

  it.each([null, undefined, 'EROFS', 42, new Error('no code'), { code: 17 }, { code: 'ECONNREFUSED' }])('is null for %j', (err) => {
    expect(storageErrorFrom(err, '/srv/cache')).toBeNull();
  });
});
