/**
 * The seed of a property-based test: fixed by default so that CI runs are reproducible,
 * `PROPERTY_SEED` overrides it (to replay a failure, or to explore); always printed. `runs`:
 * the test's number of runs, or `PROPERTY_RUNS`.
 */
export function propertySettings(name: string, runs: number): { seed: number; numRuns: number } {
  const seed = process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : 20_261_205;
  const numRuns = process.env.PROPERTY_RUNS ? Number(process.env.PROPERTY_RUNS) : runs;
  if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(numRuns))
    throw new Error('PROPERTY_SEED and PROPERTY_RUNS must be integers');
  process.stdout.write(`${name}: fast-check seed ${seed}, ${numRuns} runs (replay with PROPERTY_SEED=${seed})\n`);
  return { seed, numRuns };
}
