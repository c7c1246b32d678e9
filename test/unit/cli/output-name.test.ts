import { describe, it, expect } from 'vitest';
import { outputNameFromUrl } from '../../../src/cli/swarm-download.js';
import { outputRequest } from '../../../src/cli/output-path.js';

describe('outputNameFromUrl', () => {
  it.each([
    ['plain name', 'https://h.test/isos/ubuntu.iso', 'ubuntu.iso'],
    ['percent-encoded space', 'https://h.test/isos/my%20file.iso', 'my file.iso'],
    ['percent-encoded UTF-8', 'https://h.test/%C3%A9t%C3%A9.txt', 'été.txt'],
    ['query string ignored', 'https://h.test/isos/ubuntu.iso?version=3&sig=abc', 'ubuntu.iso'],
    ['fragment ignored', 'https://h.test/isos/ubuntu.iso#part', 'ubuntu.iso'],
    ['dots inside a name are fine', 'https://h.test/a..b', 'a..b'],
    ['hidden file name', 'https://h.test/dir/.bashrc', '.bashrc'],
    ['trailing slash', 'https://h.test/isos/', null],
    ['root path', 'https://h.test/', null],
    ['no path', 'https://h.test', null],
    ['only a query', 'https://h.test/?file=ubuntu.iso', null],
    ['dot-dot segment (normalised away)', 'https://h.test/isos/..', null],
    ['encoded dot-dot segment', 'https://h.test/isos/%2E%2E', null],
    ['encoded dot segment', 'https://h.test/isos/%2e', null],
    ['encoded slash', 'https://h.test/isos/a%2Fb', null],
    ['encoded path traversal', 'https://h.test/x/..%2F..%2Fetc%2Fpasswd', null],
    ['encoded slash only', 'https://h.test/%2F', null],
    ['encoded NUL', 'https://h.test/a%00b', null],
    ['bad percent-encoding', 'https://h.test/a%ZZ', null],
    ['truncated percent-encoding', 'https://h.test/a%E0%A4%A', null],
    ['invalid UTF-8', 'https://h.test/a%C3', null],
  ])('%s: %s -> %j', (_name, url, expected) => {
    expect(outputNameFromUrl(new URL(url))).toBe(expected);
  });

  it.each([['/isos/..'], ['/isos/.'], ['/isos/a%2Fb']])('refuses %s even where URL parsing did not normalise it', (pathname) => {
    // The check must not rely on the WHATWG parser alone: a URL whose pathname reads back raw.
    const url = new URL('https://h.test/x');
    Object.defineProperty(url, 'pathname', { value: pathname });
    expect(outputNameFromUrl(url)).toBeNull();
  });
});

describe('outputRequest: a trailing slash means a directory', () => {
  it.each([
    ['file.bin', '/w/file.bin', false],
    ['newdir/', '/w/newdir', true],
    ['/tmp/newdir/', '/tmp/newdir', true],
    ['/tmp/newdir', '/tmp/newdir', false],
    ['./', '/w', true],
    ['a/b/../c/', '/w/a/c', true],
    ['/', '/', true],
  ])('-o %j in /w -> %s (directory: %s)', (output, path, directory) => {
    expect(outputRequest('/w', output)).toEqual({ path, directory });
  });
});
