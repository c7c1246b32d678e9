/**
 * A check of bencode framing (BEP 3) run before the `bencode` package decodes bytes from the
 * network. It is not a decoder: `bencode` decodes; this only walks the tokens, without recursion
 * or allocation, and says what is wrong, so the decoder never sees what it mishandles:
 * - a negative string length (`l-3:`) sends its read position backwards, forever (4.0.1 loops);
 * - deep nesting (`llll…`) recurses once per level;
 * - integers with `+` or `.` and strings that run past the end are read as something else.
 *
 * Pure: no I/O. Concurrency: none (a synchronous function of its input).
 */

const INT = 0x69; // 'i'
const LIST = 0x6c; // 'l'
const DICT = 0x64; // 'd'
const END = 0x65; // 'e'
const COLON = 0x3a;
const MINUS = 0x2d;

/** Most digits in a string length (up to 999,999,999 bytes, far over any body we read). */
const MAX_LENGTH_DIGITS = 9;

/** What an open container expects next. */
type Open = 'item' | 'key' | 'value';

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

/** The position after the integer starting at `pos` (its `i`), or an error. */
function skipInteger(bytes: Uint8Array, pos: number): number | string {
  let at = pos + 1;
  if (bytes[at] === MINUS) at++;
  const digitsFrom = at;
  while (isDigit(bytes[at])) at++;
  if (at === digitsFrom) return `integer without digits at byte ${pos}`;
  if (bytes[at] !== END) return at >= bytes.length ? 'truncated integer' : `bad byte in integer at byte ${at}`;
  return at + 1;
}

/** The position after the string whose length starts at `pos`, or an error. */
function skipString(bytes: Uint8Array, pos: number): number | string {
  let at = pos;
  let length = 0;
  while (isDigit(bytes[at])) {
    if (at - pos >= MAX_LENGTH_DIGITS) return `string length too long at byte ${pos}`;
    length = length * 10 + (bytes[at] ?? 0) - 0x30;
    at++;
  }
  if (bytes[at] !== COLON) return at >= bytes.length ? 'truncated string length' : `bad byte in string length at byte ${at}`;
  const end = at + 1 + length;
  return end > bytes.length ? `string at byte ${pos} runs past the end` : end;
}

/** The position after the scalar (integer or string) at `pos`, or an error. */
function skipScalar(bytes: Uint8Array, pos: number): number | string {
  const byte = bytes[pos];
  if (byte === INT) return skipInteger(bytes, pos);
  if (isDigit(byte)) return skipString(bytes, pos);
  return `unexpected byte 0x${(byte ?? 0).toString(16).padStart(2, '0')} at byte ${pos}`;
}

/** After a value inside `open`, the open container's next expectation. */
function afterValue(open: Open[]): void {
  const top = open.length - 1;
  if (top < 0) return;
  if (open[top] === 'key') open[top] = 'value';
  else if (open[top] === 'value') open[top] = 'key';
}

/**
 * What is wrong with the framing of `bytes` as exactly one bencoded value, or null when it is well
 * framed: integers `i-?[0-9]+e`, strings `[0-9]+:` followed by that many bytes, lists and
 * dictionaries closed by `e` and nested at most `maxDepth` deep, dictionary keys strings, and
 * nothing after the value but ASCII whitespace. Dictionary key order and duplicates are not checked.
 *
 * @throws TypeError when `maxDepth` is not a positive integer (never for anything in `bytes`).
 */
export function bencodeFramingProblem(bytes: Uint8Array, maxDepth: number): string | null {
  if (!Number.isInteger(maxDepth) || maxDepth < 1) throw new TypeError(`maxDepth must be a positive integer, got ${String(maxDepth)}`);
  const open: Open[] = [];
  let pos = 0;
  do {
    const byte = bytes[pos];
    const expecting = open[open.length - 1];
    if (byte === undefined) return pos === 0 ? 'empty' : 'truncated: a list or dictionary is not closed';
    if (byte === END && expecting !== undefined) {
      if (expecting === 'value') return `dictionary key without a value before byte ${pos}`;
      open.pop();
      afterValue(open);
      pos++;
    } else if (expecting === 'key' && !isDigit(byte)) {
      return `dictionary key is not a string at byte ${pos}`;
    } else if (byte === LIST || byte === DICT) {
      if (open.length >= maxDepth) return `nested deeper than ${maxDepth} at byte ${pos}`;
      open.push(byte === LIST ? 'item' : 'key');
      pos++;
    } else {
      const next = skipScalar(bytes, pos);
      if (typeof next === 'string') return next;
      afterValue(open);
      pos = next;
    }
  } while (open.length > 0);
  for (; pos < bytes.length; pos++) {
    const byte = bytes[pos];
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return `trailing bytes after the value at byte ${pos}`;
  }
  return null;
}
