/**
 * A fuzz property of a decoder, run the same way by the fuzz tests (a few thousand cases) and by
 * `scripts/fuzz-wire.js` (100,000 and more): hostile inputs, a check that throws on a violation
 * and says whether the decoder accepted the input, and the least share of inputs that must be
 * accepted so the accept path is exercised, not only the refusals.
 *
 * Test support, never loaded by the programs (fast-check is a devDependency). Not responsible for
 * timing or printing (the callers do). Runs synchronously.
 */
import fc from 'fast-check';

/** What a run found: `failure` is null, or the counterexample report or the acceptance shortfall. */
export interface FuzzResult {
  readonly cases: number;
  readonly accepted: number;
  readonly failure: string | null;
}

/** How many cases, and the seed that reproduces them (fast-check picks one when absent). */
export interface FuzzRunOptions {
  readonly numRuns: number;
  readonly seed?: number;
}

/** A named property; {@link FuzzProperty.run} may be called any number of times. */
export interface FuzzProperty {
  readonly name: string;
  /** Share of the cases (0 to 1) the check must report accepted. */
  readonly minAcceptedShare: number;
  run(options: FuzzRunOptions): FuzzResult;
}

/**
 * A property from its inputs and its check. `check` throws an Error saying what is wrong when the
 * decoder misbehaves on `input`, else returns whether the decoder accepted it.
 */
export function fuzzProperty<T>(
  name: string,
  inputs: fc.Arbitrary<T>,
  check: (input: T) => boolean,
  minAcceptedShare: number,
): FuzzProperty {
  return {
    name,
    minAcceptedShare,
    run(options: FuzzRunOptions): FuzzResult {
      let accepted = 0;
      const property = fc.property(inputs, (input) => {
        if (check(input)) accepted++;
      });
      const details = fc.check(property, { ...options, includeErrorInReport: true });
      if (details.failed) return { cases: details.numRuns, accepted, failure: fc.defaultReportMessage(details) ?? 'failed' };
      const wanted = Math.ceil(minAcceptedShare * details.numRuns);
      const failure = accepted < wanted
        ? `accepted ${accepted} of ${details.numRuns} cases, fewer than ${wanted}: the accept path was hardly exercised`
        : null;
      return { cases: details.numRuns, accepted, failure };
    },
  };
}
