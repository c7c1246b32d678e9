/**
 * The discovery announce packet: one UDP datagram in which a host says "I am `peerId`, I accept
 * peer connections on TCP `tcpPort`, and I hold or want the files named by these swarm ids".
 *
 * Layout (all integers big-endian):
 * ```
 * offset size
 *      0    4  magic "SWRM"
 *      4    1  version = 1
 *      5    1  type = 1 (announce)
 *      6    1  flags = 0 (bit 0: an authenticated packet, see announce-auth.ts)
 *      7    1  reserved = 0
 *      8   20  peerId
 *     28    2  tcpPort (1..65535)
 *     30    2  count (0..32)
 *     32 32*n  count swarm ids, 32 bytes each
 * ```
 * A full packet is 32 + 32 * 32 = 1056 bytes, under a typical 1500-byte MTU.
 *
 * The packet carries no address: the receiver uses the datagram's source address, never anything
 * a packet claims. The decoder is strict (v1 rejects set flags, a non-zero reserved byte, other
 * versions and types) so a later version can change any of them safely.
 *
 * Pure: no I/O. Not responsible for: sockets, rate limiting, or deciding whom to trust.
 */
import { SWARM_ID_BYTES } from './swarm-id.js';

/** The first four bytes of every swarm discovery packet. */
export const ANNOUNCE_MAGIC = Buffer.from('SWRM', 'latin1');
/** The packet format version this codec reads and writes. */
export const ANNOUNCE_VERSION = 1;
/** The `type` byte of an announce. */
export const ANNOUNCE_TYPE = 1;
/** Length of a peer id in bytes (as in BitTorrent). */
export const PEER_ID_BYTES = 20;
/** Length of the fixed header before the swarm ids. */
export const ANNOUNCE_HEADER_BYTES = 32;
/** Most swarm ids one packet carries; a host with more sends several packets. */
export const MAX_SWARM_IDS_PER_PACKET = 32;
/** Anything longer is rejected before it is parsed. */
export const MAX_PACKET_BYTES = 1200;

/** A decoded announce. Buffers are copies, never views of the datagram. */
export interface Announce {
  readonly peerId: Buffer;
  readonly tcpPort: number;
  readonly swarmIds: Buffer[];
}

/** What {@link encodeAnnounce} takes. */
export interface AnnounceFields {
  readonly peerId: Uint8Array;
  readonly tcpPort: number;
  readonly swarmIds: readonly Uint8Array[];
}

/**
 * Encodes one announce packet.
 *
 * @throws TypeError when `peerId` is not 20 bytes, `tcpPort` is not an integer in 1..65535, or
 * `swarmIds` is not an array of at most 32 ids of 32 bytes each.
 */
export function encodeAnnounce(fields: AnnounceFields): Buffer {
  checkFields(fields);
  const count = fields.swarmIds.length;
  const packet = Buffer.alloc(ANNOUNCE_HEADER_BYTES + count * SWARM_ID_BYTES);
  ANNOUNCE_MAGIC.copy(packet, 0);
  packet.writeUInt8(ANNOUNCE_VERSION, 4);
  packet.writeUInt8(ANNOUNCE_TYPE, 5);
  packet.set(fields.peerId, 8);
  packet.writeUInt16BE(fields.tcpPort, 28);
  packet.writeUInt16BE(count, 30);
  fields.swarmIds.forEach((id, index) => packet.set(id, ANNOUNCE_HEADER_BYTES + index * SWARM_ID_BYTES));
  return packet;
}

/**
 * Decodes one datagram. Returns `null` for anything that is not exactly one well-formed v1
 * announce: wrong type of argument, longer than {@link MAX_PACKET_BYTES}, shorter than the header,
 * foreign magic, another version or type, set flags or reserved bits, tcpPort 0, count over 32,
 * truncated swarm ids, or trailing bytes. Never throws.
 */
export function decodeAnnounce(bytes: Uint8Array): Announce | null {
  if (!(bytes instanceof Uint8Array)) return null;
  if (bytes.length > MAX_PACKET_BYTES || bytes.length < ANNOUNCE_HEADER_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < ANNOUNCE_MAGIC.length; i++) {
    if (bytes[i] !== ANNOUNCE_MAGIC[i]) return null;
  }
  if (view.getUint8(4) !== ANNOUNCE_VERSION || view.getUint8(5) !== ANNOUNCE_TYPE) return null;
  if (view.getUint8(6) !== 0 || view.getUint8(7) !== 0) return null;
  const tcpPort = view.getUint16(28);
  const count = view.getUint16(30);
  if (tcpPort === 0 || count > MAX_SWARM_IDS_PER_PACKET) return null;
  if (bytes.length !== ANNOUNCE_HEADER_BYTES + count * SWARM_ID_BYTES) return null;
  const swarmIds: Buffer[] = [];
  for (let index = 0; index < count; index++) {
    const start = ANNOUNCE_HEADER_BYTES + index * SWARM_ID_BYTES;
    swarmIds.push(Buffer.from(bytes.subarray(start, start + SWARM_ID_BYTES)));
  }
  return { peerId: Buffer.from(bytes.subarray(8, 8 + PEER_ID_BYTES)), tcpPort, swarmIds };
}

function checkFields(fields: AnnounceFields): void {
  if (typeof fields !== 'object' || fields === null) {
    throw new TypeError(`announce fields must be an object, got ${String(fields)}`);
  }
  const { peerId, tcpPort, swarmIds } = fields;
  if (!(peerId instanceof Uint8Array) || peerId.length !== PEER_ID_BYTES) {
    throw new TypeError(`peerId must be ${PEER_ID_BYTES} bytes, got ${describeValue(peerId)}`);
  }
  if (!Number.isInteger(tcpPort) || tcpPort < 1 || tcpPort > 0xffff) {
    throw new TypeError(`tcpPort must be an integer in 1..65535, got ${String(tcpPort)}`);
  }
  if (!Array.isArray(swarmIds) || swarmIds.length > MAX_SWARM_IDS_PER_PACKET) {
    throw new TypeError(`swarmIds must be an array of at most ${MAX_SWARM_IDS_PER_PACKET} ids, got ${describeValue(swarmIds)}`);
  }
  swarmIds.forEach((id: unknown, index) => {
    if (!(id instanceof Uint8Array) || id.length !== SWARM_ID_BYTES) {
      throw new TypeError(`swarmIds[${index}] must be ${SWARM_ID_BYTES} bytes, got ${describeValue(id)}`);
    }
  });
}

function describeValue(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return `${typeof value} ${String(value)}`;
}
