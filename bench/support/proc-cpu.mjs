// CPU time from Linux's /proc, in µs (utime and stime are clock ticks: USER_HZ = 100, so 10 ms each).
import { readFileSync } from 'node:fs';

function times(file) {
  const f = readFileSync(file, 'utf8').split(') ')[1].split(' ');
  return { user: Number(f[11]) * 10_000, sys: Number(f[12]) * 10_000 };
}

/** User and system CPU time a process has used so far, all its threads together. */
export const processCpu = (pid) => times(`/proc/${pid}/stat`);

/** User and system CPU time a process's main thread has used so far. */
export const mainThreadCpu = (pid) => times(`/proc/${pid}/task/${pid}/stat`);
