/**
 * What the benchmark reads from /proc and the file system about the processes it started: CPU time
 * (user + system, all threads), resident memory now and at its peak (VmRSS, VmHWM), CPU time spent
 * between two moments per named process, and the disk a directory of theirs takes.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cpuTimeMs, TICKS_PER_SECOND } from '@/lib/local/process-tree';

/** A process the benchmark watches, by the name the table uses. */
export interface WatchedProcess {
  name: string;
  pid: number;
}

export interface MemoryUse {
  /** Resident set size now, KiB. */
  rssKib: number;
  /** Peak resident set size since the process started, KiB. */
  peakRssKib: number;
}

/** Resident memory of a process (from /proc/<pid>/status); null once it is gone. */
export function memoryUse(pid: number): MemoryUse | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssKib: field('VmRSS'), peakRssKib: field('VmHWM') };
  } catch {
    return null;
  }
}

/** Disk blocks a directory takes with everything in it, as `du` counts them (KiB); 0 when it does not exist. */
export function diskUseKib(directory: string): number {
  let blocks = 0;
  const visit = (entry: string) => {
    try {
      const stat = lstatSync(entry);
      blocks += stat.blocks;
      if (stat.isDirectory()) for (const child of readdirSync(entry)) visit(path.join(entry, child));
    } catch {
      // Deleted while being counted (a compacted file): it no longer takes space.
    }
  };
  visit(directory);
  return blocks / 2;
}

/** CPU time the whole machine has spent busy (every process, not idle or waiting for I/O), in ms, summed over cores. */
export function machineBusyMs(): number {
  const [cpuLine = ''] = readFileSync('/proc/stat', 'utf8').split('\n');
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpuLine.trim().split(/\s+/).slice(1).map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1000) / TICKS_PER_SECOND;
}

/** CPU time used per watched process, and by the whole machine, since the meter was made. */
export class CpuMeter {
  private readonly startedAt = performance.now();
  private readonly before: Map<string, number>;
  private readonly machineBefore = machineBusyMs();

  constructor(private readonly processes: readonly WatchedProcess[]) {
    this.before = new Map(processes.map((watched) => [watched.name, cpuTimeMs(watched.pid) ?? 0]));
  }

  /** CPU ms per process since the meter was made, with the wall time it covers. */
  read(): CpuUse {
    const wallMs = performance.now() - this.startedAt;
    const perProcess: Record<string, number> = {};
    for (const watched of this.processes) {
      const now = cpuTimeMs(watched.pid);
      if (now !== null) perProcess[watched.name] = Math.round(now - (this.before.get(watched.name) ?? 0));
    }
    const totalMs = Object.values(perProcess).reduce((sum, ms) => sum + ms, 0);
    const machineMs = Math.round(machineBusyMs() - this.machineBefore);
    return { wallMs: Math.round(wallMs), totalMs, perProcess, machineMs };
  }
}

export interface CpuUse {
  wallMs: number;
  /** Sum over the watched processes. */
  totalMs: number;
  /** CPU ms per watched process name. */
  perProcess: Record<string, number>;
  /** CPU ms the whole machine was busy (all cores, every process: ours and everybody else's). */
  machineMs: number;
}

/** Adds CPU uses together (e.g. over the rounds of one configuration). */
export function addCpuUse(uses: readonly CpuUse[]): CpuUse {
  const perProcess: Record<string, number> = {};
  for (const use of uses) for (const [name, ms] of Object.entries(use.perProcess)) perProcess[name] = (perProcess[name] ?? 0) + ms;
  return {
    wallMs: uses.reduce((sum, use) => sum + use.wallMs, 0),
    totalMs: uses.reduce((sum, use) => sum + use.totalMs, 0),
    perProcess,
    machineMs: uses.reduce((sum, use) => sum + use.machineMs, 0),
  };
}
