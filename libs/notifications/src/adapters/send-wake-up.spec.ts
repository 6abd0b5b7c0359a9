import { SendWakeUp } from './send-wake-up';

/** A promise with its resolve, to hold a step until the test lets it finish. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const HOUR = 3_600_000;
/** Lets every promise continuation queued so far run (a loop that went idle is then waiting). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SendWakeUp.start', () => {
  it('runs the step in `count` loops at once, and stop waits for the steps under way, not for a poll after them', async () => {
    const wakeUp = new SendWakeUp();
    const release = gate();
    const bothStarted = gate();
    let running = 0;
    let finished = 0;
    const stop = wakeUp.start(
      2,
      async () => {
        if (++running === 2) bothStarted.open();
        await release.opened;
        finished++;
        return false;
      },
      HOUR,
      () => undefined,
    );
    await bothStarted.opened;
    let stopped = false;
    const stopping = stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    release.open();
    await stopping;
    expect(finished).toBe(2);
  });

  it('runs the step again at once after it did some work, and after a ring when it had none', async () => {
    const wakeUp = new SendWakeUp();
    const idle = gate();
    const rung = gate();
    const results = [true, true, false];
    let calls = 0;
    const stop = wakeUp.start(
      1,
      async () => {
        calls++;
        if (calls === 3) idle.open();
        if (calls === 4) rung.open();
        return results[calls - 1] ?? false;
      },
      HOUR,
      () => undefined,
    );
    await idle.opened;
    await settle();
    wakeUp.ring();
    await rung.opened;
    await stop();
    expect(calls).toBeGreaterThanOrEqual(4);
  });

  it('reports a failed step and keeps looping', async () => {
    const wakeUp = new SendWakeUp();
    const warned: string[] = [];
    const retried = gate();
    let calls = 0;
    const stop = wakeUp.start(
      1,
      async () => {
        if (++calls === 1) throw new Error('database away');
        retried.open();
        return false;
      },
      1,
      (message) => warned.push(message),
    );
    await retried.opened;
    await stop();
    expect(warned).toEqual(['database away']);
  });
});
