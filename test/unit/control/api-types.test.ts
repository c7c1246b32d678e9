import { describe, expect, it } from 'vitest';
import { parseDownloadRequest } from '../../../src/control/api-types.js';
import { UsageError } from '../../../src/errors.js';

describe('parseDownloadRequest', () => {
  it('fills the defaults', () => {
    expect(parseDownloadRequest({ url: 'https://h/f?sig=1' })).toEqual({ url: 'https://h/f?sig=1', output: null, md5: null, pin: false, wait: false });
    expect(parseDownloadRequest({ url: 'http://h/f', output: '/tmp/x', md5: 'ab', pin: true, wait: true }))
      .toEqual({ url: 'http://h/f', output: '/tmp/x', md5: 'ab', pin: true, wait: true });
  });

  it.each([
    [null, /JSON object/],
    [[], /JSON object/],
    [{}, /url must be/],
    [{ url: 'ftp://h/f' }, /url must be/],
    [{ url: 'http://' }, /url must be/],
    [{ url: 'http://h/f', output: 'relative' }, /absolute path/],
    [{ url: 'http://h/f', md5: 5 }, /md5 must be a string/],
    [{ url: 'http://h/f', pin: 'yes' }, /pin must be true or false/],
    [{ url: 'http://h/f', wait: 1 }, /wait must be true or false/],
    [{ url: 'http://h/f', colour: 'red' }, /unknown field "colour"/],
  ])('%j is a usage error', (body, message) => {
    expect(() => parseDownloadRequest(body)).toThrow(UsageError);
    expect(() => parseDownloadRequest(body)).toThrow(message);
  });
});
