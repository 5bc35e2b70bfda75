/**
 * Detects CPU used by anything other than the benchmark while it measures, so
 * that a measurement disturbed by another program can be repeated, and reads
 * the CPU time of one process. Linux only (`/proc`); elsewhere it reports nothing.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';

/** Ticks of `/proc` (USER_HZ), 100 on every common Linux build. */
const TICKS_PER_SECOND = 100;

/** CPU seconds spent in user, nice, system and steal time by the whole machine, or `undefined` off Linux. */
function machineBusySeconds(): number | undefined {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: interrupts (loopback TCP runs in softirq) are nobody's.
    const [user = 0, nice = 0, system = 0, , , , , steal = 0] = fields;
    return (user + nice + system + steal) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Whether this machine has `/proc`, where {@link processSeconds} reads. */
export const CAN_READ_PROCESS_TIMES = existsSync('/proc/self/stat');

/** CPU seconds (user + system) of process `pid`, or 0 once it is gone or off Linux. */
export function processSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Measures foreign CPU use between `start()` and `stop()`. */
export interface InterferenceMeter {
  readonly start: () => void;
  /** Average number of cores used by other programs since `start()`, or `undefined` when it cannot tell. */
  readonly stop: () => number | undefined;
}

/** Creates a meter that counts the CPU of this process and of `pids()` as the benchmark's own. */
export function createInterferenceMeter(pids: () => readonly number[]): InterferenceMeter {
  let machineAtStart: number | undefined;
  let ownAtStart = 0;
  let startedAt = 0;

  function ownSeconds(): number {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6 + pids().reduce((sum, pid) => sum + processSeconds(pid), 0);
  }

  return {
    start() {
      machineAtStart = machineBusySeconds();
      ownAtStart = ownSeconds();
      startedAt = performance.now();
    },
    stop() {
      const machine = machineBusySeconds();
      if (machine === undefined || machineAtStart === undefined) return undefined;
      const elapsed = (performance.now() - startedAt) / 1000;
      const foreign = machine - machineAtStart - (ownSeconds() - ownAtStart);
      return elapsed > 0 ? Math.max(0, foreign / elapsed) : undefined;
    },
  };
}
