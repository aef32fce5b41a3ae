/** Reading a process's memory from `/proc/<pid>/status` (Linux). */
import { readFileSync } from 'node:fs';

/** Resident set size now and its peak (VmRSS, VmHWM), in bytes. */
export interface ProcMemory {
  readonly rssBytes: number;
  readonly hwmBytes: number;
}

/** Parses the VmRSS and VmHWM lines of a `/proc/<pid>/status` text (pure). */
export function parseProcStatus(text: string): ProcMemory {
  const kb = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    if (!m) throw new Error(`no ${field} line in /proc status`);
    return Number(m[1]) * 1024;
  };
  return { rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM') };
}

/** The memory of process `pid` now. */
export function readProcStatus(pid: number): ProcMemory {
  return parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
}
