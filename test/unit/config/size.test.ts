import { describe, it, expect } from 'vitest';
import {
  describeRateError,
  describeSizeError,
  formatBytes,
  formatDurationMs,
  formatRate,
  parseDurationSeconds,
  parseRate,
  parseSize,
} from '../../../src/config/size.js';

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;
const PiB = 1024 ** 5;

describe('parseSize', () => {
  it.each<[string, number]>([
    ['0', 0],
    ['512', 512],
    ['1048576', 1048576],
    ['007', 7],
    ['1.0', 1],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    ['10B', 10],
    ['10b', 10],
    ['10 bytes', 10],
    ['1byte', 1],
    ['512k', 512 * KiB],
    ['512K', 512 * KiB],
    ['512kb', 512 * KiB],
    ['512 KB', 512 * KiB],
    ['512KiB', 512 * KiB],
    ['512kib', 512 * KiB],
    ['512Ki', 512 * KiB],
    ['0.5KB', 512],
    ['100mb', 100 * MiB], // design note: preferred-chunk-size
    ['100MB', 100 * MiB],
    ['100 MB', 100 * MiB],
    ['100\tMB', 100 * MiB],
    ['4MiB', 4 * MiB],
    ['4m', 4 * MiB],
    ['4Mi', 4 * MiB],
    ['1.5GB', 1.5 * GiB],
    ['400Gb', 400 * GiB], // design note: max-storage-size; sizes are bytes whatever the case
    ['400GB', 400 * GiB],
    ['4Gi', 4 * GiB],
    ['1TB', TiB],
    ['2.25TiB', 2.25 * TiB],
    ['1PiB', PiB],
    ['7p', 7 * PiB],
    ['  64KiB  ', 64 * KiB],
  ])('%j is %d bytes', (text, expected) => {
    expect(parseSize(text)).toBe(expected);
  });

  it.each<[string, string]>([
    ['', 'empty size'],
    ['   ', 'empty size'],
    ['-1', 'negative size'],
    ['-1KB', 'negative size'],
    ['+5', 'not a size'],
    ['NaN', 'not a size'],
    ['Infinity', 'not a size'],
    ['1e9', 'not a size'],
    ['abc', 'not a size'],
    ['.5GB', 'not a size'],
    ['5.', 'not a size'],
    ['1,000', 'not a size'],
    ['1_000', 'not a size'],
    ['0x10', 'not a size'],
    ['10xb', 'unknown unit "xb"'],
    ['10MBB', 'unknown unit "MBB"'],
    ['10 M B', 'not a size'],
    ['10MB junk', 'not a size'],
    ['10 MB/s', 'unknown unit "MB/s"'],
    ['12abc', 'unknown unit "abc"'], // the bytes package would say 12
    ['1.1KB', '1.1KB is not a whole number of bytes'],
    ['1.5', '1.5 is not a whole number of bytes'],
    ['0.1B', '0.1B is not a whole number of bytes'],
    ['1.0000000001GB', 'not a whole number of bytes'],
    ['9007199254740992', 'too large'],
    ['8PiB', 'too large'],
    ['99999999999999999999999999999TB', 'too large'],
    ['\u0661\u0662', 'not a size'], // Arabic-Indic digits
  ])('%j is rejected: %s', (text, reason) => {
    expect(parseSize(text)).toBeNull();
    expect(describeSizeError(text)).toContain(reason);
  });

  it('describeSizeError throws TypeError for a valid size', () => {
    expect(() => describeSizeError('4MiB')).toThrow(TypeError);
    expect(() => describeSizeError('4MiB')).toThrow('"4MiB"');
  });
});

describe('parseRate', () => {
  it.each<[string, number]>([
    ['10Gbit', 1_250_000_000], // design note: speed-limit-up
    ['10gbit', 1_250_000_000],
    ['10GBit', 1_250_000_000],
    ['10GBIT', 1_250_000_000],
    ['10Gbit/s', 1_250_000_000],
    ['10 Gbits/s', 1_250_000_000],
    ['100mbit', 12_500_000],
    ['100Mbit', 12_500_000],
    ['100Mbps', 12_500_000],
    ['1gbps', 125_000_000],
    ['1Gbps', 125_000_000],
    ['800kbit', 100_000],
    ['800Kbit', 100_000],
    ['800kbps', 100_000],
    ['1.5Gbit', 187_500_000],
    ['1Tbit', 125_000_000_000],
    ['8bit', 1],
    ['15bit', 1], // rounded down
    ['17 bits', 2],
    ['64bps', 8],
    ['1Mibit', 131_072],
    ['1Kibps', 128],
    ['100MB/s', 100 * MiB],
    ['100MB', 100 * MiB],
    ['100 MB/s', 100 * MiB],
    ['100mB/s', 100 * MiB],
    ['50KiB/s', 50 * KiB],
    ['50KiB', 50 * KiB],
    ['1GBps', GiB],
    ['1GiBps', GiB],
    ['1.5GB/s', 1.5 * GiB],
    ['1B/s', 1],
    ['1B/S', 1],
    ['10Bps', 10],
    ['10 bytes/s', 10],
    ['2KBytes/s', 2 * KiB],
    ['1024', 1024],
    ['1', 1],
  ])('%j is %d bytes/s', (text, expected) => {
    expect(parseRate(text)).toBe(expected);
  });

  it.each<[string, string]>([
    ['10Gb', 'ambiguous unit "Gb": write 10Gbit for bits or 10GB/s for bytes'],
    ['10gb', 'ambiguous unit "gb": write 10Gbit for bits or 10GB/s for bytes'],
    ['10mb/s', 'ambiguous unit "mb/s": write 10Mbit for bits or 10MB/s for bytes'],
    ['10kb', 'ambiguous unit "kb": write 10kbit for bits or 10KB/s for bytes'],
    ['10Kb', 'ambiguous unit "Kb": write 10kbit for bits or 10KB/s for bytes'],
    ['1.5Tb', 'ambiguous unit "Tb": write 1.5Tbit for bits or 1.5TB/s for bytes'],
    ['5Mib', 'ambiguous unit "Mib": write 5Mibit for bits or 5MiB/s for bytes'],
    ['5kib/s', 'ambiguous unit "kib/s": write 5Kibit for bits or 5KiB/s for bytes'],
    ['100M', 'ambiguous unit "M": write 100Mbit for bits or 100MB/s for bytes'],
    ['100Mi', 'ambiguous unit "Mi": write 100Mibit for bits or 100MiB/s for bytes'],
    ['10b', 'ambiguous unit "b": write 10bit for bits or 10B/s for bytes'],
    ['10b/s', 'ambiguous unit "b/s"'],
    ['1GBPS', 'ambiguous unit "GBPS"'],
    ['1MbPS', 'ambiguous unit "MbPS"'],
    ['', 'empty rate: expected e.g. 10Gbit, 100Mbps or 100MB/s'],
    ['  ', 'empty rate'],
    ['fast', 'not a rate: expected e.g. 10Gbit, 100Mbps or 100MB/s'],
    ['-10Gbit', 'negative rate'],
    ['+10Gbit', 'not a rate'],
    ['NaN', 'not a rate'],
    ['Infinity', 'not a rate'],
    ['10Gbit x', 'not a rate'],
    ['1e9bit', 'not a rate'],
    ['10 Gbit/h', 'unknown unit "Gbit/h"'],
    ['10/s', 'unknown unit "/s"'],
    ['10Gbyte/h', 'unknown unit "Gbyte/h"'],
    ['0', 'below 1 byte/s; use "unlimited" for no limit'],
    ['0MB/s', 'below 1 byte/s'],
    ['7bit', 'below 1 byte/s'],
    ['0.5bps', 'below 1 byte/s'],
    ['0.5B/s', 'not a whole number of bytes'],
    ['1.1KB/s', 'not a whole number of bytes'],
    ['9007199254740992', 'too large'],
    ['99999999999999999999Gbit', 'too large'],
  ])('%j is rejected: %s', (text, reason) => {
    expect(parseRate(text)).toBeNull();
    expect(describeRateError(text)).toContain(reason);
  });

  it('describeRateError throws TypeError for a valid rate', () => {
    expect(() => describeRateError('10Gbit')).toThrow(TypeError);
    expect(() => describeRateError('10Gbit')).toThrow('"10Gbit"');
  });
});

describe('formatBytes and formatRate', () => {
  it.each<[number, string]>([
    [0, '0 B'],
    [1, '1 B'],
    [512, '512 B'],
    [1023, '1023 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [1048575, '1 MiB'], // 1023.99 KiB rounds up into the next unit, not "1024 KiB"
    [100 * MiB, '100 MiB'],
    [1.5 * GiB, '1.5 GiB'],
    [400 * GiB, '400 GiB'],
    [3 * TiB, '3 TiB'],
    [3 * PiB, '3 PiB'],
    [1024 * PiB, '1024 PiB'],
    [-1536, '-1.5 KiB'],
    [0.5, '0.5 B'],
    [Number.NaN, 'NaN B'],
    [Number.POSITIVE_INFINITY, 'Infinity B'],
  ])('formatBytes(%d) is %j', (n, expected) => {
    expect(formatBytes(n)).toBe(expected);
  });

  it.each<[number, string]>([
    [117_859_942, '112.4 MiB/s'],
    [1_250_000_000, '1.2 GiB/s'],
    [100, '100 B/s'],
  ])('formatRate(%d) is %j', (n, expected) => {
    expect(formatRate(n)).toBe(expected);
  });
});

describe('parseDurationSeconds', () => {
  it.each<[string, number]>([
    ['0', 0],
    ['30', 30],
    ['30s', 30],
    ['30 s', 30],
    ['1.5s', 1.5],
    ['500ms', 0.5],
    ['5m', 300],
    ['5M', 300],
    ['1h', 3600],
    ['0.1h', 360],
    [' 2m ', 120],
  ])('%j is %d s', (text, expected) => {
    expect(parseDurationSeconds(text)).toBe(expected);
  });

  it.each(['', '-1', '-1s', '1e3', 'NaN', 'Infinity', '1m30s', '5 min', '5d', 'abc', '1.', '.5s', 's', `${'9'.repeat(400)}h`])(
    '%j is rejected',
    (text) => {
      expect(parseDurationSeconds(text)).toBeNull();
    },
  );
});

describe('formatDurationMs', () => {
  it.each([
    [0, '0s'], [49, '0s'], [400, '0.4s'], [3004, '3s'], [3500, '3.5s'], [9949, '9.9s'], [9950, '10s'],
    [42_000, '42s'], [59_499, '59s'], [59_500, '1m0s'], [62_000, '1m2s'], [300_000, '5m0s'], [300_004, '5m0s'],
    [3_723_000, '1h2m3s'], [7 * 24 * 3_600_000, '168h0m0s'],
    [-5, '-5 ms'], [Number.NaN, 'NaN ms'], [Number.POSITIVE_INFINITY, 'Infinity ms'],
  ])('%d ms -> %s', (ms, expected) => {
    expect(formatDurationMs(ms)).toBe(expected);
  });
});
