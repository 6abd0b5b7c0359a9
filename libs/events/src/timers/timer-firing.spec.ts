import fc from 'fast-check';
import { decideFiring, nextVersions, sleepMs } from './timer-firing';
import { propertySettings } from '../../../../test/support/property-seed';

const due = new Date('2026-12-05T10:00:00.000Z');
const after = (ms: number) => new Date(due.getTime() + ms);
const policy = { lateToleranceMs: 60_000, maxLatenessMs: 3_600_000 };

describe('decideFiring', () => {
  it('fires on time when at most the tolerance after due', () => {
    expect(decideFiring(due, due, policy)).toEqual({ kind: 'fire', delayMs: 0, late: false });
    expect(decideFiring(due, after(60_000), policy)).toEqual({ kind: 'fire', delayMs: 60_000, late: false });
  });

  it('fires late past the tolerance, up to the maximum lateness', () => {
    expect(decideFiring(due, after(60_001), policy)).toEqual({ kind: 'fire', delayMs: 60_001, late: true });
    expect(decideFiring(due, after(3_600_000), policy)).toEqual({ kind: 'fire', delayMs: 3_600_000, late: true });
  });

  it('drops past the maximum lateness, and never when it is 0', () => {
    expect(decideFiring(due, after(3_600_001), policy)).toEqual({ kind: 'drop', delayMs: 3_600_001 });
    expect(decideFiring(due, after(365 * 86_400_000), { ...policy, maxLatenessMs: 0 })).toEqual({
      kind: 'fire',
      delayMs: 365 * 86_400_000,
      late: true,
    });
  });

  it('counts a clock behind the due time as no delay', () => {
    expect(decideFiring(due, after(-5_000), policy)).toEqual({ kind: 'fire', delayMs: 0, late: false });
  });

  it('is late exactly when the delay passes the tolerance, and dropped exactly when it passes the maximum (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10_000, max: 10_000_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 5_000_000 }),
        (offset, lateToleranceMs, maxLatenessMs) => {
          const d = decideFiring(due, after(offset), { lateToleranceMs, maxLatenessMs });
          const delay = Math.max(0, offset);
          expect(d.delayMs).toBe(delay);
          expect(d.kind === 'drop').toBe(maxLatenessMs > 0 && delay > maxLatenessMs);
          if (d.kind === 'fire') expect(d.late).toBe(delay > lateToleranceMs);
        },
      ),
      propertySettings('decideFiring', 200),
    );
  });
});

describe('nextVersions', () => {
  it("gives each event its aggregate's next version, counting earlier events of the batch", () => {
    expect(
      nextVersions(
        ['a', 'b', 'a', 'c', 'a'],
        new Map([
          ['a', 3],
          ['b', 1],
        ]),
      ),
    ).toEqual([4, 2, 5, 1, 6]);
    expect(nextVersions([], new Map())).toEqual([]);
  });
});

describe('sleepMs', () => {
  it('sleeps until the next due time, at most the poll interval, never negative', () => {
    expect(sleepMs(after(250), due, 1_000)).toBe(250);
    expect(sleepMs(after(60_000), due, 1_000)).toBe(1_000);
    expect(sleepMs(after(-10), due, 1_000)).toBe(0);
    expect(sleepMs(undefined, due, 1_000)).toBe(1_000);
  });
});
