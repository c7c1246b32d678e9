/**
 * "Did you mean ...?": the known name closest to a misspelt one, for unknown config keys and
 * unknown flags alike.
 *
 * Pure: no I/O; synchronous and stateless.
 */

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** `maxStorageSize`, `max_storage_size` and `MAX-STORAGE-SIZE` all read as `max-storage-size`. */
export function normalizeName(name: string): string {
  return name.trim().replace(/([a-z0-9])([A-Z])/g, '$1-$2').replaceAll('_', '-').toLowerCase();
}

/**
 * The name of `known` the user probably meant by `wanted` (compared in kebab case, see
 * {@link normalizeName}), or `null` when none is close: a known name that contains a word of 4
 * characters or more, else the nearest by edit distance, which must be small for a short word
 * ("port" is not "peers").
 */
export function closestName<T extends string>(wanted: string, known: readonly T[]): T | null {
  const normal = normalizeName(wanted);
  if (normal.length > 64) return null;
  const containing = normal.length >= 4 ? known.find((name) => name.includes(normal)) : undefined;
  if (containing !== undefined) return containing;
  let best: T | null = null;
  let bestDistance = Math.min(4, Math.max(2, Math.floor(normal.length / 2)));
  for (const name of known) {
    const distance = editDistance(normal, name);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}
