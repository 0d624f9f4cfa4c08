// Memory of a daemon process as the kernel counts it, for tests that bound what an attack costs.
import { readFileSync, writeFileSync } from 'node:fs';

/** Starts a new peak (VmHWM) for the process, so that earlier work does not count. */
export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** Resident and peak resident memory of a process, in bytes. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}
