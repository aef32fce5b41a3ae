/**
 * Resident memory of a process, from Linux's /proc/<pid>/status: `VmRSS` sampled on an interval, and `VmHWM` (the
 * kernel's own high-water mark) read on each sample, so a peak between samples is not missed.
 */
import { readFileSync } from 'node:fs';

/** Resident set size and high-water mark of a live process, in bytes, or undefined once it is gone. */
export function readRss(pid: number): { rss: number; hwm: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/** Samples one process's memory until stopped. */
export interface RssSampler {
  /** Highest VmHWM or VmRSS seen, in bytes. */
  readonly peakBytes: number;
  /** The samples, `[epochMillis, rssBytes]`. */
  readonly samples: ReadonlyArray<readonly [number, number]>;
  stop(): void;
}

/** Starts sampling `pid` every `intervalMillis`. */
export function sampleRss(pid: number, intervalMillis = 250): RssSampler {
  let peak = 0;
  const samples: Array<[number, number]> = [];
  const take = () => {
    const r = readRss(pid);
    if (!r) return;
    samples.push([Date.now(), r.rss]);
    peak = Math.max(peak, r.hwm || 0, r.rss || 0);
  };
  take();
  const timer = setInterval(take, intervalMillis);
  timer.unref();
  return {
    get peakBytes() {
      return peak;
    },
    samples,
    stop() {
      take();
      clearInterval(timer);
    },
  };
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}
