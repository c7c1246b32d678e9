/**
 * A seeded pseudo-random source for simulations (mulberry32): the same seed gives the same
 * sequence on every platform. Not for anything secret.
 *
 * Pure: no I/O. Single-threaded; each call advances the state.
 */

/** A function returning uniform numbers in [0, 1), from `seed` (any safe integer). TypeError otherwise. */
export function seededRandom(seed: number): () => number {
  if (!Number.isSafeInteger(seed)) throw new TypeError(`seed must be a safe integer, got ${String(seed)} (${typeof seed})`);
  let state = (seed ^ Math.floor(seed / 2 ** 32)) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A uniformly shuffled copy of `items` (Fisher-Yates with `random01`). */
export function shuffled<T>(items: readonly T[], random01: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random01() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
