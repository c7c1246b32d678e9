/** Comparing wire messages in tests. */
import type { WireMessage } from '../../src/wire/codec.js';

/** A message with its byte fields as hex, so equality ignores Buffer vs Uint8Array. */
export function plain(m: WireMessage): Record<string, unknown> {
  const out: Record<string, unknown> = { ...m };
  for (const [key, value] of Object.entries(out)) {
    if (value instanceof Uint8Array) out[key] = Buffer.from(value).toString('hex');
  }
  return out;
}
