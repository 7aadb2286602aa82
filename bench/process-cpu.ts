/**
 * CPU accounting per process for the benchmarks: this Node process (process.cpuUsage()) and any
 * other process by pid (/proc/<pid>/stat, utime + stime, all of its threads). Linux only.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { BenchRow } from './run.js';

/** Clock ticks per second (`getconf CLK_TCK`), read once at load; 100 when it cannot be read. */
const CLK_TCK = ((): number => {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) the process `pid` has used so far. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so split after the last ") ".
  const close = stat.lastIndexOf(') ');
  if (close < 0) throw new Error(`cannot parse /proc/${pid}/stat`);
  const fields = stat.slice(close + 2).trim().split(/\s+/);
  // fields[0] is field 3 (state), so field n is fields[n - 3]: utime (14) and stime (15).
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`cannot parse utime/stime in /proc/${pid}/stat`);
  return (utime + stime) / CLK_TCK;
}

export type CpuSeconds<K extends string> = { relay: number; total: number } & Record<K, number>;

/**
 * CPU seconds since construction, for this Node process ("relay": it runs the relay, or only the
 * monitoring) and for each named pid; `stop()` returns them and their total.
 */
export class CpuMeter<K extends string> {
  private readonly own = process.cpuUsage();
  private readonly start: Record<string, number> = {};

  constructor(private readonly pids: Record<K, number>) {
    for (const [name, pid] of Object.entries<number>(pids)) this.start[name] = cpuSecondsOf(pid);
  }

  stop(): CpuSeconds<K> {
    const { user, system } = process.cpuUsage(this.own);
    const result: Record<string, number> = { relay: (user + system) / 1e6 };
    let total = result.relay ?? 0;
    for (const [name, pid] of Object.entries<number>(this.pids)) {
      const used = cpuSecondsOf(pid) - (this.start[name] ?? 0);
      result[name] = used;
      total += used;
    }
    result.total = total;
    return result as CpuSeconds<K>;
  }
}

/** Rows for one drain: CPU seconds per process, µs per message (all processes), cores busy. */
export function cpuRows(label: string, cpu: CpuSeconds<'source' | 'target'>, wallSeconds: number, messages: number): BenchRow[] {
  return [
    { label: `${label}, CPU s (relay process)`, value: cpu.relay, unit: 's' },
    { label: `${label}, CPU s (source broker)`, value: cpu.source, unit: 's' },
    { label: `${label}, CPU s (target broker)`, value: cpu.target, unit: 's' },
    { label: `${label}, CPU per message (all processes)`, value: (cpu.total * 1e6) / messages, unit: 'µs' },
    { label: `${label}, cores busy (all CPU ÷ wall time)`, value: cpu.total / wallSeconds, unit: 'cores' },
  ];
}
