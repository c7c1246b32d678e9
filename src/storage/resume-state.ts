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
  /** Pieces written (in the page cache at least) as a BEP 3 bitfield. */
  readonly have: Uint8Array;
  /** Pieces known to be on disk (fdatasync'd): what survives a power loss. */
  readonly durable: Uint8Array;
  /**
   * The kernel boot id when `have` was written. After a reboot only `durable` is trusted; within
   * the same boot (a killed process) the page cache kept every written byte, so `have` is.
   */
  readonly bootId: string | null;
  /** True once the whole file was verified against the MD5. */
  readonly complete: boolean;
}

const FIELDS = ['version', 'md5Hex', 'fileBytes', 'pieceBytes', 'etag', 'have', 'durable', 'bootId', 'complete'] as const;

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
    durable: Buffer.from(state.durable).toString('base64'),
    bootId: state.bootId,
    complete: state.complete,
  };
  return `${JSON.stringify({ ...body, sha256: checksum(body) })}\n`;
}

/** `text` as a JSON object, or null for bad JSON or anything else. Never throws. */
export function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const raw: unknown = JSON.parse(text);
    return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
  } catch {
    return null;
  }
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
  const body = parseJsonObject(text);
  if (body === null) return null;
  if (body['version'] !== 1 || typeof body['sha256'] !== 'string') return null;
  if (checksum(body) !== body['sha256']) return null;
  const { md5Hex, fileBytes, pieceBytes, etag, have, durable, bootId, complete } = body;
  if (typeof md5Hex !== 'string' || !/^[0-9a-f]{32}$/.test(md5Hex)) return null;
  if (!isSafeCount(fileBytes) || !isSafeCount(pieceBytes) || pieceBytes === 0) return null;
  if (etag !== null && typeof etag !== 'string') return null;
  if (typeof have !== 'string' || typeof durable !== 'string' || typeof complete !== 'boolean') return null;
  if (bootId !== null && typeof bootId !== 'string') return null;
  const haveBytes = Buffer.from(have, 'base64');
  const durableBytes = Buffer.from(durable, 'base64');
  const byteLength = Math.ceil(Math.ceil(fileBytes / pieceBytes) / 8);
  if (haveBytes.length !== byteLength || durableBytes.length !== byteLength) return null;
  return {
    version: 1,
    md5Hex,
    fileBytes,
    pieceBytes,
    etag,
    have: new Uint8Array(haveBytes),
    durable: new Uint8Array(durableBytes),
    bootId,
    complete,
  };
}
