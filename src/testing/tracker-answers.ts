/**
 * Tracker answers for tests: bencoded (with the `bencode` package) from plain fields, with peers
 * in compact IPv4 (BEP 23), compact IPv6 (BEP 7) or BEP 3's list of dictionaries. Used by the
 * property and fuzz tests and by the fake trackers of the integration tests.
 *
 * Test support, never loaded by the programs. Pure: no I/O. Its IP text parser is written apart
 * from src/peer-sources/peer-address.ts on purpose, so tests compare two implementations.
 */
import bencode, { type BencodeInput } from 'bencode';

/** An address and port, the address an IPv4 or IPv6 literal. */
export interface AnswerPeer {
  readonly address: string;
  readonly port: number;
}

/** One entry of BEP 3's peer list. */
export interface AnswerListPeer {
  readonly ip: string | Uint8Array;
  readonly port: number | Uint8Array;
  readonly peerId?: Uint8Array;
}

/** The fields of an answer; any left out is left out of the bencoded dictionary. */
export interface TrackerAnswerFields {
  readonly failureReason?: string | Uint8Array | number;
  readonly warningMessage?: string | Uint8Array;
  readonly interval?: number | Uint8Array;
  readonly minInterval?: number;
  readonly complete?: number;
  readonly incomplete?: number;
  /** Compact IPv4 peers, or raw bytes for `peers`. */
  readonly peers?: readonly AnswerPeer[] | Uint8Array;
  /** BEP 3's list form for `peers` (instead of `peers`). */
  readonly peerList?: readonly (AnswerListPeer | BencodeInput)[];
  /** Compact IPv6 peers, or raw bytes for `peers6`. */
  readonly peers6?: readonly AnswerPeer[] | Uint8Array;
  /** More keys, as they are. */
  readonly extra?: Readonly<Record<string, BencodeInput>>;
}

function ipv4Bytes(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) return null;
  return parts.map(Number);
}

function groupBytes(groups: readonly string[]): number[] {
  return groups.flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

/** The 16 bytes of an IPv6 literal (`::` and a dotted IPv4 tail allowed). */
function ipv6Bytes(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const tail: number[] = [];
  const words = halves.map((half) => (half === '' ? [] : half.split(':')));
  const last = words[words.length - 1] ?? [];
  const dotted = last.length > 0 && (last[last.length - 1] ?? '').includes('.') ? ipv4Bytes(last.pop() ?? '') : [];
  if (dotted === null) return null;
  tail.push(...dotted);
  if (words.flat().some((word) => !/^[0-9a-fA-F]{1,4}$/.test(word))) return null;
  const head = groupBytes(words[0] ?? []);
  const rest = words.length === 2 ? groupBytes(words[1] ?? []) : [];
  const fill = 16 - head.length - rest.length - tail.length;
  if (fill < 0 || (words.length === 1 && fill !== 0)) return null;
  return [...head, ...new Array<number>(fill).fill(0), ...rest, ...tail];
}

/**
 * The 4 (IPv4) or 16 (IPv6) bytes of an IP literal.
 *
 * @throws TypeError when `address` is not an IP literal.
 */
export function ipBytes(address: string): Buffer {
  const bytes = address.includes(':') ? ipv6Bytes(address) : ipv4Bytes(address);
  if (bytes === null) throw new TypeError(`not an IP literal: ${JSON.stringify(address)}`);
  return Buffer.from(bytes);
}

/**
 * Compact peers: 4 (BEP 23) or 16 (BEP 7) address bytes and a big-endian port each.
 *
 * @throws TypeError when an address is not of that family.
 */
export function compactPeers(peers: readonly AnswerPeer[], family: 4 | 6): Buffer {
  return Buffer.concat(peers.map(({ address, port }) => {
    const ip = ipBytes(address);
    if (ip.length !== (family === 4 ? 4 : 16)) throw new TypeError(`not an IPv${family} address: ${address}`);
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16BE(port);
    return Buffer.concat([ip, portBytes]);
  }));
}

function listEntry(entry: AnswerListPeer | BencodeInput): BencodeInput {
  if (typeof entry !== 'object' || entry === null || entry instanceof Uint8Array || Array.isArray(entry) || !('ip' in entry)) return entry;
  const peer = entry as AnswerListPeer;
  return { ip: peer.ip, port: peer.port, ...(peer.peerId === undefined ? {} : { 'peer id': peer.peerId }) };
}

function peersValue(peers: readonly AnswerPeer[] | Uint8Array | undefined, family: 4 | 6): Uint8Array | undefined {
  if (peers === undefined || peers instanceof Uint8Array) return peers;
  return compactPeers(peers, family);
}

/** The bencoded answer with these fields (bencode sorts the keys, as BEP 3 wants). */
export function encodeTrackerAnswer(fields: TrackerAnswerFields): Buffer {
  const dict: Record<string, BencodeInput | undefined> = {
    'failure reason': fields.failureReason,
    'warning message': fields.warningMessage,
    interval: fields.interval,
    'min interval': fields.minInterval,
    complete: fields.complete,
    incomplete: fields.incomplete,
    peers: fields.peerList === undefined ? peersValue(fields.peers, 4) : fields.peerList.map(listEntry),
    peers6: peersValue(fields.peers6, 6),
    ...fields.extra,
  };
  return Buffer.from(bencode.encode(dict));
}
