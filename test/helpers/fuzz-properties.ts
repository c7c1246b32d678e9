/** Running the shared fuzz properties (src/testing/fuzz-property.ts) as vitest tests. */
import { expect, it } from 'vitest';
import type { FuzzProperty } from '../../src/testing/fuzz-property.js';

/**
 * Declares one test per property, each run with `numRuns` fresh cases. A test fails with
 * fast-check's report (counterexample, seed, the check's error) or with the acceptance shortfall.
 */
export function itHolds(properties: readonly FuzzProperty[], numRuns: number): void {
  it.each(properties.map((property) => [property.name, property] as const))(`%s (${numRuns} cases)`, (_name, property) => {
    const result = property.run({ numRuns });
    expect(result.failure).toBeNull();
    expect(result.cases).toBe(numRuns);
  });
}
