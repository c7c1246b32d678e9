/**
 * The resume file of one cache entry: which pieces of the data file are complete, for which
 * file (MD5, size, ETag) and which piece size. Encoded as one line of JSON with a SHA-256 over
 * its fields, so a torn or edited file is noticed and rejected rather than trusted.
 *
 * Pure: bytes in, value out. Not responsible for writing the file atomically (the piece store
 * does that) nor for deciding what to do with a rejected file (the store starts over).
 */
import { createHash } from 'node:crypto';

/** The state of one cache entry as persisted. */
export interface ResumeState {
  readonly version: 1;
  /** The swarm key: MD5 of the whole file, lower-case hex. */
  readonly md5Hex: string;
  readonly fileBytes: number;
  readonly pieceBytes: number;
  /** The origin's strong ETag when the download began, to catch a file that changed. */
  readonly etag: string | null;
  /** Completed pieces as a BEP 3 bitfield. */
  readonly have: Uint8Array;
  /** True once the whole file was verified against the MD5. */
  readonly complete: boolean;
}

const FIELDS = ['version', 'md5Hex', 'fileBytes', 'pieceBytes', 'etag', 'have', 'complete'] as const;

function checksum(body: Record<string, unknown>): string {
  const canonical = JSON.stringify(FIELDS.map((key) => body[key]));
  return createHash('sha256').update(canonical).digest('hex');
}

/** Serialises `state` as one JSON line with its checksum. */
export function encodeResumeState(state: ResumeState): string {
  const body: Record<string, unknown> = {
    version: state.version,
    md5Hex: state.md5Hex,
    fileBytes: state.fileBytes,
    pieceBytes: state.pieceBytes,
    etag: state.etag,
    have: Buffer.from(state.have).toString('base64'),
    complete: state.complete,
  };
  return `${JSON.stringify({ ...body, sha256: checksum(body) })}\n`;
}

function isSafeCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Parses a resume file. Returns `null` for anything that is not exactly what
 * {@link encodeResumeState} wrote: bad JSON, a wrong checksum, a bad field, a bitfield of the
 * wrong length. Never throws.
 */
export function decodeResumeState(text: string): ResumeState | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const body = raw as Record<string, unknown>;
  if (body['version'] !== 1 || typeof body['sha256'] !== 'string') return null;
  if (checksum(body) !== body['sha256']) return null;
  const { md5Hex, fileBytes, pieceBytes, etag, have, complete } = body;
  if (typeof md5Hex !== 'string' || !/^[0-9a-f]{32}$/.test(md5Hex)) return null;
  if (!isSafeCount(fileBytes) || !isSafeCount(pieceBytes) || pieceBytes === 0) return null;
  if (etag !== null && typeof etag !== 'string') return null;
  if (typeof have !== 'string' || typeof complete !== 'boolean') return null;
  const haveBytes = Buffer.from(have, 'base64');
  const pieceCount = Math.ceil(fileBytes / pieceBytes);
  if (haveBytes.length !== Math.ceil(pieceCount / 8)) return null;
  return { version: 1, md5Hex, fileBytes, pieceBytes, etag, have: new Uint8Array(haveBytes), complete };
}
