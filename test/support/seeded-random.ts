/**
 * A seeded pseudo-random source (mulberry32) for tests that draw interleavings, timings and
 * payloads: the seed comes from TEST_SEED when set (to replay a failure), is printed either way.
 */
export interface Random {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** A lower-case word of `length` letters. */
  word(length: number): string;
}

export function seededRandom(
  label: string,
  seed = process.env.TEST_SEED ? Number(process.env.TEST_SEED) : Math.floor(Math.random() * 2 ** 31),
): Random {
  process.stdout.write(`${label}: seed ${seed} (rerun with TEST_SEED=${seed})\n`);
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    seed,
    next,
    int,
    pick: (items) => items[int(0, items.length - 1)],
    word: (length) => Array.from({ length }, () => String.fromCharCode(97 + int(0, 25))).join(''),
  };
}
