/**
 * The one error type of the wire protocol: a peer sent bytes that break it.
 *
 * Pure: no I/O. It is a peer's fault, not the user's, so it is deliberately not a `SwarmError`
 * and has no exit code: the connection shell drops the peer with the error as its close reason.
 */

/**
 * Codes of {@link WireError}:
 * - `FRAME_TOO_LARGE`: a length prefix above the decoder's `maxFrameBytes`.
 * - `BAD_LENGTH`: a body whose size is wrong for its message id.
 * - `BAD_HANDSHAKE`: a handshake of the wrong size or protocol string.
 * - `BAD_FIELD`: a well-sized body with a value out of range (empty or oversized block, a
 *   `fetching` run with end <= start, more than 256 runs).
 */
export type WireErrorCode = 'FRAME_TOO_LARGE' | 'BAD_LENGTH' | 'BAD_HANDSHAKE' | 'BAD_FIELD';

/**
 * A protocol violation by the remote peer. Returned (not thrown) by the payload and handshake
 * decoders, thrown by `FrameDecoder.next()`. Never used for misuse of our own API (that is a
 * `TypeError`).
 */
export class WireError extends Error {
  /** Stable code: see {@link WireErrorCode}. */
  readonly code: WireErrorCode;

  constructor(code: WireErrorCode, message: string) {
    super(message);
    this.name = 'WireError';
    this.code = code;
  }
}
