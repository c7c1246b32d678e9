/**
 * The part of `bencode` 4.0.1 (webtorrent/node-bencode, ESM, untyped) that swarm uses.
 *
 * `decode` returns dictionaries as plain objects keyed by the UTF-8 key (hex when the key is not
 * UTF-8), byte strings as Uint8Array, lists as arrays and integers as numbers (imprecise past
 * 2^53). It trusts its input's framing: see src/peer-sources/bencode-framing.ts before calling it
 * on bytes from the network.
 */
declare module 'bencode' {
  /** A value `encode` takes: Buffer/Uint8Array and strings become byte strings. */
  export type BencodeInput =
    | Uint8Array | string | number | boolean | readonly BencodeInput[] | { readonly [key: string]: BencodeInput | undefined };

  interface Bencode {
    encode(value: BencodeInput): Uint8Array;
    decode(data: Uint8Array): unknown;
    byteLength(value: BencodeInput): number;
    encodingLength(value: BencodeInput): number;
  }

  const bencode: Bencode;
  export default bencode;
}
