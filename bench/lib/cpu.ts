// CPU time that processes spend during a measurement, from /proc/<pid>/stat (Linux): where a
// message's cost goes (client, sender daemon, receiver daemon). It counts work, not time spent
// waiting for the disk or for a core, so it speaks to causes where a rate only shows the sum.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime: USER_HZ, 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** User + system clock ticks from the text of /proc/<pid>/stat (fields 14 and 15). */
export function cpuTicksFromStat(stat: string): number {
  // The command name (field 2) is in parentheses and may contain spaces and ')': count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (fields.length < 13 || !Number.isInteger(utime) || !Number.isInteger(stime)) throw new Error('not a /proc/<pid>/stat line');
  return utime + stime;
}

/** User + system CPU time of a process so far, in milliseconds (10 ms resolution). */
export function processCpuMs(pid: number): number {
  return (cpuTicksFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8')) * 1000) / TICKS_PER_SECOND;
}

/**
 * Starts measuring the given processes and this one (as `bench`); the returned function gives the
 * milliseconds of CPU each used since.
 */
export function startCpuMeter<K extends string>(pids: Record<K, number>): () => Record<K | 'bench', number> {
  const names = Object.keys(pids) as K[];
  const before = new Map(names.map((name) => [name, processCpuMs(pids[name])]));
  const self = process.cpuUsage();
  return () => {
    const used = {} as Record<K | 'bench', number>;
    for (const name of names) used[name] = processCpuMs(pids[name]) - (before.get(name) as number);
    const own = process.cpuUsage(self);
    used.bench = (own.user + own.system) / 1000;
    return used;
  };
}
