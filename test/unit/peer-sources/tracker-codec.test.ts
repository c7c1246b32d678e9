import { describe, expect, it } from 'vitest';
import {
  DEFAULT_INTERVAL_SECONDS, MAX_TRACKER_TEXT_CHARS, announceUrl, describeTrackerUrl, parseAnnounceResponse,
  parseTrackerUrl, percentEncodeBytes, type AnnounceParams, type TrackerAnswer,
} from '../../../src/peer-sources/tracker-codec.js';
import { TRACKER_INFO_HASH_TAG, trackerInfoHash } from '../../../src/peer-sources/tracker-info-hash.js';
import { bencodeFramingProblem } from '../../../src/peer-sources/bencode-framing.js';
import { createHash } from 'node:crypto';
import { compactPeers, encodeTrackerAnswer, type TrackerAnswerFields } from '../../../src/testing/tracker-answers.js';

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

function peersOf(answer: TrackerAnswer): string[] {
  if (answer.kind !== 'peers') throw new Error(`expected peers, got ${JSON.stringify(answer)}`);
  return answer.peers.map(({ address, port }) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`));
}

describe('parseAnnounceResponse: peers', () => {
  it.each<[string, TrackerAnswerFields, string[]]>([
    ['compact IPv4 (BEP 23)', { interval: 900, peers: [{ address: '10.0.0.1', port: 6881 }, { address: '192.168.1.2', port: 65535 }] },
      ['10.0.0.1:6881', '192.168.1.2:65535']],
    ['the BEP 3 list of dictionaries', {
      interval: 900,
      peerList: [{ ip: '10.0.0.1', port: 6881, peerId: Buffer.alloc(20, 1) }, { ip: '2001:DB8::1', port: 7000 }],
    }, ['10.0.0.1:6881', '[2001:db8::1]:7000']],
    ['peers6 (BEP 7)', { interval: 900, peers: [], peers6: [{ address: '2001:db8:0:0:0:0:0:2', port: 6881 }, { address: 'fe80::1', port: 1 }] },
      ['[2001:db8::2]:6881', '[fe80::1]:1']],
    ['mixed: compact IPv4 then peers6', { interval: 900, peers: [{ address: '127.0.0.1', port: 1000 }], peers6: [{ address: '::1', port: 1001 }] },
      ['127.0.0.1:1000', '[::1]:1001']],
    ['an IPv4-mapped peers6 entry is the IPv4 address (and deduped against it)', {
      interval: 900, peers: [{ address: '10.1.2.3', port: 80 }], peers6: [{ address: '::ffff:10.1.2.3', port: 80 }, { address: '::ffff:10.1.2.4', port: 80 }],
    }, ['10.1.2.3:80', '10.1.2.4:80']],
    ['duplicates once', { interval: 900, peers: [{ address: '10.0.0.1', port: 1 }, { address: '10.0.0.1', port: 1 }, { address: '10.0.0.1', port: 2 }] },
      ['10.0.0.1:1', '10.0.0.1:2']],
    ['port 0, unspecified, multicast and broadcast dropped', {
      interval: 900,
      peers: [
        { address: '10.0.0.1', port: 0 }, { address: '0.0.0.0', port: 5 }, { address: '0.1.2.3', port: 5 }, { address: '224.0.0.1', port: 5 },
        { address: '239.255.255.250', port: 5 }, { address: '255.255.255.255', port: 5 }, { address: '255.255.255.254', port: 5 },
      ],
      peers6: [{ address: '::', port: 5 }, { address: 'ff02::1', port: 5 }, { address: 'ff::1', port: 5 }],
    }, ['255.255.255.254:5', '[ff::1]:5']],
    ['names, bad literals and bad entries in the list dropped', {
      interval: 900,
      peerList: [
        { ip: 'tracker.example', port: 1 }, { ip: 'localhost', port: 1 }, { ip: '010.0.0.1', port: 1 }, { ip: '1.2.3', port: 1 },
        { ip: '[::1]', port: 1 }, { ip: 'fe80::1%eth0', port: 1 }, { ip: '10.0.0.1', port: 70000 }, { ip: '10.0.0.1', port: latin1('80') },
        { ip: '10.0.0.2', port: -1 }, 'not a dict', 17, { port: 5 }, { ip: '10.0.0.3', port: 1.5e300 }, { ip: '10.0.0.9', port: 9 },
      ],
    }, ['10.0.0.9:9']],
    ['a trailing partial compact entry dropped', { interval: 900, peers: Buffer.concat([compactPeers([{ address: '10.0.0.1', port: 1 }], 4), latin1('abc')]) },
      ['10.0.0.1:1']],
    ['a trailing partial peers6 entry dropped', { interval: 900, peers6: Buffer.concat([compactPeers([{ address: '::2', port: 1 }], 6), Buffer.alloc(17)]) },
      ['[::2]:1']],
    ['peers6 alone is enough', { peers6: [{ address: '2001:db8::5', port: 5 }] }, ['[2001:db8::5]:5']],
  ])('%s', (_name, fields, expected) => {
    expect(peersOf(parseAnnounceResponse(encodeTrackerAnswer(fields), 200))).toEqual(expected);
  });

  it('keeps at most maxPeers, IPv4 first', () => {
    const peers = Array.from({ length: 10 }, (_, i) => ({ address: `10.0.0.${i + 1}`, port: 1 }));
    const body = encodeTrackerAnswer({ interval: 900, peers, peers6: [{ address: '::2', port: 1 }] });
    expect(peersOf(parseAnnounceResponse(body, 3))).toEqual(['10.0.0.1:1', '10.0.0.2:1', '10.0.0.3:1']);
    expect(peersOf(parseAnnounceResponse(body, 0))).toEqual([]);
  });

  it('reads the counts, the min interval and the warning message', () => {
    const body = encodeTrackerAnswer({ interval: 1700, minInterval: 850, complete: 3, incomplete: 7, warningMessage: 'slow\x1b[31m down\n now', peers: [] });
    expect(parseAnnounceResponse(body, 10)).toEqual({
      kind: 'peers', intervalSeconds: 1700, minIntervalSeconds: 850, peers: [], warning: 'slow [31m down now', complete: 3, incomplete: 7,
    });
  });

  it('reads what opentracker sends', () => {
    const body = Buffer.concat([
      latin1('d8:completei0e10:downloadedi0e10:incompletei2e8:intervali1725e12:min intervali862e5:peers12:'),
      Buffer.from([127, 0, 0, 1, 0x13, 0x88, 127, 0, 0, 1, 0x13, 0x89]), latin1('e'),
    ]);
    expect(parseAnnounceResponse(body, 50)).toEqual({
      kind: 'peers', intervalSeconds: 1725, minIntervalSeconds: 862, peers: [{ address: '127.0.0.1', port: 5000 }, { address: '127.0.0.1', port: 5001 }],
      warning: null, complete: 0, incomplete: 2,
    });
  });
});

describe('parseAnnounceResponse: intervals', () => {
  it.each<[string, TrackerAnswerFields['interval'], number | undefined, number, number | null]>([
    ['missing', undefined, undefined, DEFAULT_INTERVAL_SECONDS, null],
    ['zero', 0, 0, DEFAULT_INTERVAL_SECONDS, null],
    ['negative', -5, -5, DEFAULT_INTERVAL_SECONDS, null],
    ['a string', latin1('900'), undefined, DEFAULT_INTERVAL_SECONDS, null],
    ['too short, clamped up', 1, 2, 10, 10],
    ['too long, clamped down', 10_000_000, 200_000, 86_400, 86_400],
    ['huge, clamped down', 1e23, 1e30, 86_400, 86_400],
  ])('interval %s', (_name, interval, minInterval, expected, expectedMin) => {
    const answer = parseAnnounceResponse(encodeTrackerAnswer({
      ...(interval === undefined ? {} : { interval }), ...(minInterval === undefined ? {} : { minInterval }), peers: [],
    }), 10);
    expect(answer).toMatchObject({ kind: 'peers', intervalSeconds: expected, minIntervalSeconds: expectedMin });
  });

  it('huge or negative counts are null', () => {
    expect(parseAnnounceResponse(encodeTrackerAnswer({ complete: 1e23, incomplete: -1, peers: [] }), 10))
      .toMatchObject({ kind: 'peers', complete: null, incomplete: null });
  });
});

describe('parseAnnounceResponse: failures and garbage', () => {
  it.each<[string, Uint8Array, TrackerAnswer]>([
    ['failure reason', encodeTrackerAnswer({ failureReason: 'Requested download is not authorized for use with this tracker.' }),
      { kind: 'failure', reason: 'Requested download is not authorized for use with this tracker.' }],
    ['failure reason wins over peers', encodeTrackerAnswer({ failureReason: 'no', peers: [{ address: '10.0.0.1', port: 1 }] }),
      { kind: 'failure', reason: 'no' }],
    ['failure reason sanitised', encodeTrackerAnswer({ failureReason: Buffer.from('bad\u0000\u202Ereason\r\n\tx\xff', 'utf8') }),
      { kind: 'failure', reason: 'bad reason x\u00ff' }],
    ['an empty failure reason', encodeTrackerAnswer({ failureReason: '\n' }), { kind: 'failure', reason: '(no reason given)' }],
    ['a failure reason not a string', encodeTrackerAnswer({ failureReason: 5 }), { kind: 'invalid', message: 'failure reason is not a byte string' }],
    ['HTML', latin1('<html><body>Not Found</body></html>'), { kind: 'invalid', message: 'not bencode (unexpected byte 0x3c at byte 0)' }],
    ['empty', new Uint8Array(0), { kind: 'invalid', message: 'not bencode (empty)' }],
    ['truncated', latin1('d8:intervali1800e5:peers12:abcdef'), { kind: 'invalid', message: 'not bencode (string at byte 24 runs past the end)' }],
    ['an unclosed dictionary', latin1('d8:intervali1800e'), { kind: 'invalid', message: 'not bencode (truncated: a list or dictionary is not closed)' }],
    ['not a dictionary: a list', latin1('l5:peerse'), { kind: 'invalid', message: 'not a bencoded dictionary' }],
    ['not a dictionary: a string', latin1('5:peers'), { kind: 'invalid', message: 'not a bencoded dictionary' }],
    ['not a dictionary: an integer', latin1('i42e'), { kind: 'invalid', message: 'not a bencoded dictionary' }],
    ['no peers at all', latin1('d8:intervali1800ee'), { kind: 'invalid', message: 'neither peers nor peers6 in the answer' }],
    ['peers of the wrong type', latin1('d5:peersi5ee'), { kind: 'invalid', message: 'peers is neither a byte string nor a list' }],
    ['peers6 of the wrong type', latin1('d5:peers0:6:peers6le'.concat('e')), { kind: 'invalid', message: 'peers6 is not a byte string' }],
    ['a negative string length (loops bencode 4.0.1 forever)', latin1('l-3:e'), { kind: 'invalid', message: 'not bencode (unexpected byte 0x2d at byte 1)' }],
    ['deep nesting', latin1(`${'l'.repeat(100_000)}${'e'.repeat(100_000)}`), { kind: 'invalid', message: 'not bencode (nested deeper than 16 at byte 16)' }],
    ['a float', latin1('d8:intervali1.5e5:peers0:e'), { kind: 'invalid', message: 'not bencode (bad byte in integer at byte 13)' }],
    ['trailing bytes', latin1('d5:peers0:eXYZ'), { kind: 'invalid', message: 'not bencode (trailing bytes after the value at byte 11)' }],
    ['an integer dictionary key', latin1('di1e5:peerse'), { kind: 'invalid', message: 'not bencode (dictionary key is not a string at byte 1)' }],
  ])('%s', (_name, body, expected) => {
    expect(parseAnnounceResponse(body, 10)).toEqual(expected);
  });

  it('trailing whitespace is fine', () => {
    expect(parseAnnounceResponse(latin1('d5:peers0:e\r\n'), 10).kind).toBe('peers');
  });

  it('a __proto__ key neither pollutes nor supplies fields', () => {
    const answer = parseAnnounceResponse(latin1('d9:__proto__d5:peers6:\x0a\x00\x00\x01\x00\x01e8:intervali900ee'), 10);
    expect(answer).toEqual({ kind: 'invalid', message: 'neither peers nor peers6 in the answer' });
    expect(({} as Record<string, unknown>).peers).toBeUndefined();
  });

  it('caps a long failure reason', () => {
    const answer = parseAnnounceResponse(encodeTrackerAnswer({ failureReason: 'x'.repeat(10_000) }), 10);
    expect(answer.kind === 'failure' && Array.from(answer.reason)).toHaveLength(MAX_TRACKER_TEXT_CHARS);
    expect(answer.kind === 'failure' && answer.reason.endsWith('…')).toBe(true);
  });

  it('non-bytes are invalid, a bad maxPeers a TypeError', () => {
    expect(parseAnnounceResponse('d5:peers0:e' as unknown as Uint8Array, 10)).toEqual({ kind: 'invalid', message: 'the body is not bytes' });
    expect(() => parseAnnounceResponse(latin1('de'), -1)).toThrow(TypeError);
    expect(() => parseAnnounceResponse(latin1('de'), 1.5)).toThrow(/maxPeers must be a non-negative integer, got 1.5/);
  });
});

describe('bencodeFramingProblem', () => {
  it.each<[string, string | null]>([
    ['d3:abci1e1:xl0:i-7eee', null],
    ['i-0e', null],
    ['ie', 'integer without digits at byte 0'],
    ['i12', 'truncated integer'],
    ['12', 'truncated string length'],
    ['1234567890:x', 'string length too long at byte 0'],
    ['d3:abce', 'dictionary key without a value before byte 6'],
    ['e', 'unexpected byte 0x65 at byte 0'],
    ['le ', null],
  ])('%j -> %j', (text, problem) => {
    expect(bencodeFramingProblem(latin1(text), 4)).toBe(problem);
  });
});

const PARAMS: AnnounceParams = {
  infoHash: Buffer.from('123456789abcdef123456789abcdef123456789a', 'hex'),
  peerId: Buffer.from('-SW0001-abc~.-_ 0/9Z', 'latin1'),
  port: 6881, uploaded: 0, downloaded: 10, left: 1_000_000_000_000, event: 'started', numwant: 50,
};

describe('announceUrl', () => {
  it('percent-encodes as BEP 3 shows', () => {
    expect(percentEncodeBytes(PARAMS.infoHash)).toBe('%124Vx%9A%BC%DE%F1%23Eg%89%AB%CD%EF%124Vx%9A');
  });

  it.each<[string, string]>([
    ['http://t.example:6969/announce', 'http://t.example:6969/announce?'],
    ['https://t.example/a/PASSKEY/announce', 'https://t.example/a/PASSKEY/announce?'],
    ['http://t.example/announce.php?passkey=abc', 'http://t.example/announce.php?passkey=abc&'],
    ['http://t.example/announce?', 'http://t.example/announce?'],
    ['http://t.example/announce?a=1&', 'http://t.example/announce?a=1&'],
    ['http://t.example/announce#frag', 'http://t.example/announce?'],
  ])('%s', (base, head) => {
    expect(announceUrl(new URL(base), PARAMS)).toBe(`${head}info_hash=%124Vx%9A%BC%DE%F1%23Eg%89%AB%CD%EF%124Vx%9A`
      + '&peer_id=-SW0001-abc~.-_%200%2F9Z&port=6881&uploaded=0&downloaded=10&left=1000000000000&compact=1&no_peer_id=1&numwant=50&event=started');
  });

  it('leaves event out of a regular announce', () => {
    expect(announceUrl(new URL('http://t.example/announce'), { ...PARAMS, event: null })).toMatch(/&numwant=50$/);
    expect(announceUrl(new URL('http://t.example/announce'), { ...PARAMS, event: 'stopped', numwant: 0 })).toMatch(/&numwant=0&event=stopped$/);
  });

  it.each<[string, Partial<AnnounceParams>, RegExp]>([
    ['a short infoHash', { infoHash: Buffer.alloc(19) }, /infoHash must be 20 bytes, got 19 bytes/],
    ['a peerId not bytes', { peerId: 'x' as unknown as Buffer }, /peerId must be 20 bytes, got string/],
    ['port 0', { port: 0 }, /port must be an integer in 1\.\.65535, got 0/],
    ['a fractional left', { left: 1.5 }, /left must be an integer/],
    ['a negative uploaded', { uploaded: -1 }, /uploaded must be/],
    ['an unknown event', { event: 'paused' as 'started' }, /event must be started, completed, stopped or null, got paused/],
  ])('TypeError on %s', (_name, change, message) => {
    expect(() => announceUrl(new URL('http://t.example/announce'), { ...PARAMS, ...change })).toThrow(message);
  });

  it('TypeError on a base that is not an http URL', () => {
    expect(() => announceUrl(new URL('udp://t.example:6969'), PARAMS)).toThrow(/base must be an http: or https: URL, got udp:/);
    expect(() => announceUrl('http://t.example' as unknown as URL, PARAMS)).toThrow(TypeError);
  });
});

describe('parseTrackerUrl', () => {
  it.each<[string, string]>([
    ['http://t.example:6969/announce', 'http://t.example:6969/announce'],
    ['  https://t.example/announce?passkey=x#top ', 'https://t.example/announce?passkey=x'],
    ['http://127.0.0.1:6969/announce', 'http://127.0.0.1:6969/announce'],
  ])('%j is a tracker URL', (text, href) => {
    const url = parseTrackerUrl(text);
    expect(url instanceof URL && url.href).toBe(href);
  });

  it.each<[string, string]>([
    ['udp://tracker.example:1337/announce', "UDP trackers (BEP 15) are not supported; give the tracker's http://…/announce URL"],
    ['ftp://t.example/announce', "tracker URL must start with http:// or https://, not ftp://; give the tracker's http://…/announce URL"],
    ['tracker.example:6969', "tracker URL must start with http:// or https://, not tracker.example://; give the tracker's http://…/announce URL"],
    ['not a url', 'tracker URL "not a url" is not a URL; give the tracker\'s http://…/announce URL'],
    ['', "tracker URL is empty; give the tracker's http://…/announce URL"],
    ['http://user:pw@t.example/announce', 'tracker URLs with a user name or password are not supported; give the announce URL as the tracker shows it'],
  ])('%j -> %j', (text, message) => {
    expect(parseTrackerUrl(text)).toBe(message);
  });

  it('TypeError on a non-string', () => {
    expect(() => parseTrackerUrl(5 as unknown as string)).toThrow(/tracker URL must be a string, got number/);
  });
});

describe('describeTrackerUrl', () => {
  it.each<[string, string]>([
    ['http://127.0.0.1:6969/announce', 'http://127.0.0.1:6969/announce'],
    ['https://t.example/0123456789abcdef0123456789abcdef/announce', 'https://t.example/…/announce'],
    ['https://t.example/a/s3cr3t/x9/announce.php?passkey=abc', 'https://t.example/a/…/announce.php?…'],
    ['https://t.example:443/announce/abcdef0123', 'https://t.example/announce/…'],
  ])('%s -> %s', (text, shown) => {
    expect(describeTrackerUrl(new URL(text))).toBe(shown);
  });
});

describe('trackerInfoHash', () => {
  it('is SHA-1 over the tag and the swarm id', () => {
    const id = Buffer.alloc(32, 0xab);
    expect(trackerInfoHash(id)).toEqual(createHash('sha1').update(`${TRACKER_INFO_HASH_TAG}`).update(id).digest());
    expect(trackerInfoHash(id)).toHaveLength(20);
    expect(trackerInfoHash(Buffer.alloc(32, 1))).not.toEqual(trackerInfoHash(id));
  });

  it('TypeError on a swarm id not of 32 bytes', () => {
    expect(() => trackerInfoHash(Buffer.alloc(20))).toThrow(/swarmId must be 32 bytes, got 20 bytes/);
  });
});
