/**
 * Parsers and formatters for the quantities a user types: byte sizes (`400GB`, `4MiB`), rates
 * (`10Gbit`, `100MB/s`) and durations (`30s`, `5m`).
 *
 * Arithmetic is exact (BigInt on the decimal digits as typed), so `1.5GB` is accepted because it
 * is a whole number of bytes and `1.1KB` is rejected because it is not; nothing is silently
 * rounded except bits, which are rounded down to whole bytes per second.
 *
 * Not responsible for naming the config key or its source in error messages: the parsers return
 * `null` and the `describe…Error` functions return a reason, and the caller composes the message.
 *
 * Pure: no I/O, no clock. All functions are synchronous and stateless.
 */
import bytes from 'bytes';

/** A non-negative decimal as typed: `mantissa / 10^scale`, plus the unit text that followed it. */
interface Quantity {
  readonly numberText: string;
  readonly mantissa: bigint;
  readonly scale: bigint;
  readonly unit: string;
}

/** Either a value or the reason there is none. */
type Outcome = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly reason: string };

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const BINARY_PREFIXES = ['k', 'm', 'g', 't', 'p'] as const;
const QUANTITY = /^(\d+)(?:\.(\d+))?[ \t]*([A-Za-z/]*)$/;

const SIZE_EXAMPLES = 'expected e.g. 400GB, 100MiB, 512k or 1048576';
const RATE_EXAMPLES = 'expected e.g. 10Gbit, 100Mbps or 100MB/s';

/** Size units, lower-cased, to their multiplier in bytes. Binary multiples: `kb` is 1024. */
const SIZE_UNITS: ReadonlyMap<string, bigint> = buildSizeUnits();

function buildSizeUnits(): Map<string, bigint> {
  const units = new Map<string, bigint>([['', 1n], ['b', 1n], ['byte', 1n], ['bytes', 1n]]);
  BINARY_PREFIXES.forEach((prefix, index) => {
    const multiplier = 1024n ** BigInt(index + 1);
    for (const suffix of ['', 'b', 'i', 'ib']) units.set(prefix + suffix, multiplier);
  });
  return units;
}

function splitQuantity(text: string): Quantity | null {
  const match = QUANTITY.exec(text.trim());
  if (match === null) return null;
  const [, whole = '', fraction = '', unit = ''] = match;
  return {
    numberText: fraction === '' ? whole : `${whole}.${fraction}`,
    mantissa: BigInt(whole + fraction),
    scale: BigInt(fraction.length),
    unit,
  };
}

/** `quantity × multiplier` as a whole number of bytes, or the reason it is not one. */
function exactBytes(quantity: Quantity, multiplier: bigint, what: string): Outcome {
  const numerator = quantity.mantissa * multiplier;
  const denominator = 10n ** quantity.scale;
  if (numerator % denominator !== 0n) {
    return { ok: false, reason: `${quantity.numberText}${quantity.unit} is not a whole number of bytes` };
  }
  return capped(numerator / denominator, what);
}

function capped(value: bigint, what: string): Outcome {
  if (value > MAX_SAFE) return { ok: false, reason: `too large: more than ${Number.MAX_SAFE_INTEGER} ${what}` };
  return { ok: true, value: Number(value) };
}

/** Reason for text that is not even `<number><unit>`. */
function shapeReason(text: string, kind: 'size' | 'rate', examples: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return `empty ${kind}: ${examples}`;
  if (trimmed.startsWith('-')) return `negative ${kind}: ${examples}`;
  return `not a ${kind}: ${examples}`;
}

function analyzeSize(text: string): Outcome {
  const quantity = splitQuantity(text);
  if (quantity === null) return { ok: false, reason: shapeReason(text, 'size', SIZE_EXAMPLES) };
  const multiplier = SIZE_UNITS.get(quantity.unit.toLowerCase());
  if (multiplier === undefined) return { ok: false, reason: `unknown unit "${quantity.unit}": ${SIZE_EXAMPLES}` };
  return exactBytes(quantity, multiplier, 'bytes');
}

/**
 * Parses a byte size: a non-negative decimal and an optional case-insensitive unit with binary
 * multiples, as the `bytes` package reads them (`kb` = 1024): `1048576`, `512k`, `100 MB`,
 * `4MiB`, `4Gi`, `1.5GB`, `400Gb`. Units: B, K/KB/KiB/Ki, M…, G…, T…, P….
 *
 * Returns `null` for empty text, negatives, `NaN`/`Infinity`, exponents, unknown units, trailing
 * junk, a value that is not a whole number of bytes after scaling (`1.1KB`), and values above
 * `Number.MAX_SAFE_INTEGER`. {@link describeSizeError} says which.
 */
export function parseSize(text: string): number | null {
  const outcome = analyzeSize(text);
  return outcome.ok ? outcome.value : null;
}

/**
 * The reason {@link parseSize} rejects `text`, in a few words, for the caller to put after the
 * key and source. Throws `TypeError` when `text` is a valid size.
 */
export function describeSizeError(text: string): string {
  const outcome = analyzeSize(text);
  if (outcome.ok) throw new TypeError(`describeSizeError: ${JSON.stringify(text)} is a valid size`);
  return outcome.reason;
}

/** What a rate's unit says, once the prefix is taken off. */
type RateUnitKind = 'bits' | 'bytes' | 'ambiguous' | 'unknown';

interface RateUnit {
  readonly kind: RateUnitKind;
  /** Prefix letter as typed (`''` when none) and whether the binary `i` follows it. */
  readonly prefix: string;
  readonly binary: boolean;
}

const RATE_UNIT = /^(?:([kmgtp])(i?))?(.*)$/i;

function classifyRateCore(core: string, hasPrefix: boolean): RateUnitKind {
  if (/^bits?(?:\/s)?$/i.test(core) || core === 'bps') return 'bits';
  if (/^B(?:\/[sS]|ps)?$/.test(core) || /^bytes?(?:\/s)?$/i.test(core)) return 'bytes';
  if (core === '') return hasPrefix ? 'ambiguous' : 'bytes';
  if (/^b(?:\/[sS])?$/.test(core) || /^bps$/i.test(core)) return 'ambiguous';
  return 'unknown';
}

function classifyRateUnit(unit: string): RateUnit {
  const match = RATE_UNIT.exec(unit);
  const prefix = match?.[1] ?? '';
  const binary = (match?.[2] ?? '') !== '';
  return { kind: classifyRateCore(match?.[3] ?? unit, prefix !== ''), prefix, binary };
}

function prefixExponent(prefix: string): bigint {
  return BigInt(BINARY_PREFIXES.indexOf(prefix.toLowerCase() as (typeof BINARY_PREFIXES)[number]) + 1);
}

function ambiguityReason(quantity: Quantity, unit: RateUnit): string {
  const letter = unit.prefix.toUpperCase();
  const binary = unit.binary ? 'i' : '';
  const bitPrefix = (letter === 'K' && !unit.binary ? 'k' : letter) + binary;
  const bytePrefix = letter + binary;
  return `ambiguous unit "${quantity.unit}": write ${quantity.numberText}${bitPrefix}bit for bits`
    + ` or ${quantity.numberText}${bytePrefix}B/s for bytes`;
}

function bitsToBytesPerSecond(quantity: Quantity, unit: RateUnit): Outcome {
  const base = unit.binary ? 1024n : 1000n;
  const bits = quantity.mantissa * base ** prefixExponent(unit.prefix);
  const bytesPerSecond = bits / (10n ** quantity.scale * 8n);
  if (bytesPerSecond < 1n) return { ok: false, reason: belowOneReason(quantity) };
  return capped(bytesPerSecond, 'bytes/s');
}

function belowOneReason(quantity: Quantity): string {
  return `rate ${quantity.numberText}${quantity.unit} is below 1 byte/s; use "unlimited" for no limit`;
}

function analyzeRate(text: string): Outcome {
  const quantity = splitQuantity(text);
  if (quantity === null) return { ok: false, reason: shapeReason(text, 'rate', RATE_EXAMPLES) };
  const unit = classifyRateUnit(quantity.unit);
  switch (unit.kind) {
    case 'unknown':
      return { ok: false, reason: `unknown unit "${quantity.unit}": ${RATE_EXAMPLES}` };
    case 'ambiguous':
      return { ok: false, reason: ambiguityReason(quantity, unit) };
    case 'bits':
      return bitsToBytesPerSecond(quantity, unit);
    case 'bytes': {
      const outcome = exactBytes(quantity, 1024n ** prefixExponent(unit.prefix), 'bytes/s');
      if (outcome.ok && outcome.value < 1) return { ok: false, reason: belowOneReason(quantity) };
      return outcome;
    }
  }
}

/**
 * Parses a transfer rate into whole BYTES per second (at least 1).
 *
 * - Bits, SI decimal multiples, any case of prefix: a unit containing `bit` (`10Gbit`,
 *   `100mbit`, `10Gbit/s`, `800kbit`) or ending in lowercase `bps` (`100Mbps`, `1gbps`).
 *   `10Gbit` is 1.25e9 bytes/s; the result is rounded down. `Kibit`, `Mibps` use 1024.
 * - Bytes, binary multiples as {@link parseSize}: an uppercase `B` (`100MB/s`, `100MB`,
 *   `50KiB/s`, `1GBps`, `B/s`), `bytes/s`, or a bare number (`1048576`).
 * - Ambiguous, so rejected: a lowercase `b` alone (`10Gb`, `10mb/s`, `10kb`) or a prefix alone
 *   (`100M`). {@link describeRateError} says what to write instead.
 *
 * Returns `null` for those and for everything {@link parseSize} rejects, and below 1 byte/s.
 */
export function parseRate(text: string): number | null {
  const outcome = analyzeRate(text);
  return outcome.ok ? outcome.value : null;
}

/**
 * The reason {@link parseRate} rejects `text`, e.g. for `10Gb`:
 * `ambiguous unit "Gb": write 10Gbit for bits or 10GB/s for bytes`. The caller names the key
 * and its source. Throws `TypeError` when `text` is a valid rate.
 */
export function describeRateError(text: string): string {
  const outcome = analyzeRate(text);
  if (outcome.ok) throw new TypeError(`describeRateError: ${JSON.stringify(text)} is a valid rate`);
  return outcome.reason;
}

const FORMAT_UNITS = [
  { unit: 'B', label: 'B' },
  { unit: 'KB', label: 'KiB' },
  { unit: 'MB', label: 'MiB' },
  { unit: 'GB', label: 'GiB' },
  { unit: 'TB', label: 'TiB' },
  { unit: 'PB', label: 'PiB' },
] as const;

function formatUnitIndex(magnitude: number): number {
  let index = 0;
  while (index < FORMAT_UNITS.length - 1 && magnitude >= 1024 ** (index + 1)) index += 1;
  // 1048575 bytes is 1023.99 KiB, which prints as 1024.0: show 1 MiB instead.
  const shown = Number((magnitude / 1024 ** index).toFixed(1));
  return shown >= 1024 && index < FORMAT_UNITS.length - 1 ? index + 1 : index;
}

/**
 * Formats a byte count for people with binary units and at most one decimal: `512 B`,
 * `1.5 GiB`, `100 MiB`. Total: never throws; a non-finite input prints as `NaN B` or
 * `Infinity B`, a negative one keeps its sign. Not for machine-readable output.
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return `${String(n)} B`;
  const entry = FORMAT_UNITS[formatUnitIndex(Math.abs(n))] ?? FORMAT_UNITS[0];
  const text = bytes.format(n, { unit: entry.unit, decimalPlaces: 1, unitSeparator: ' ' }) ?? `${n} ${entry.unit}`;
  return `${text.slice(0, text.length - entry.unit.length)}${entry.label}`;
}

/** Formats bytes per second for people: `112.4 MiB/s`. Total, as {@link formatBytes}. */
export function formatRate(bytesPerSec: number): string {
  return `${formatBytes(bytesPerSec)}/s`;
}

/** Duration units to `[numerator, denominator]` seconds. */
const DURATION_UNITS: ReadonlyMap<string, readonly [number, number]> = new Map([
  ['', [1, 1]],
  ['ms', [1, 1000]],
  ['s', [1, 1]],
  ['m', [60, 1]],
  ['h', [3600, 1]],
]);

/**
 * Parses a duration into seconds: `30`, `30s`, `1.5s`, `500ms`, `5m`, `1h` (case-insensitive,
 * at most one unit). Returns `null` for negatives, `NaN`, `Infinity`, exponents, compound forms
 * (`1m30s`), unknown units and junk. Fractions are kept (`1.5s` is 1.5).
 */
export function parseDurationSeconds(text: string): number | null {
  const quantity = splitQuantity(text);
  if (quantity === null) return null;
  const ratio = DURATION_UNITS.get(quantity.unit.toLowerCase());
  if (ratio === undefined) return null;
  const seconds = (Number(quantity.mantissa) * ratio[0]) / (10 ** Number(quantity.scale) * ratio[1]);
  return Number.isFinite(seconds) ? seconds : null;
}

/**
 * Formats a duration for people, the way `--retry-max-time` takes it back in parts: `0.4s`,
 * `3s`, `9.5s` (tenths below 10 s), `42s`, `5m0s`, `1h2m3s` (whole seconds from 10 s on).
 * Total: a negative or non-finite input prints as `NaN ms`, `-5 ms`, `Infinity ms`.
 */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return `${String(ms)} ms`;
  const seconds = ms < 9_950 ? Math.round(ms / 100) / 10 : Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = `${minutes}m${seconds % 60}s`;
  return hours > 0 ? `${hours}h${rest}` : rest;
}
