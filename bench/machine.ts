/** The machine a benchmark ran on (CPU, memory, Node and Java versions) and its load while it ran. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cpuCount: number;
  memoryGiB: number;
  os: string;
  node: string;
  java: string;
  date: string;
}

/** The first line of `java -version` (DynamoDB Local runs on it). */
function javaVersion(): string {
  try {
    return execFileSync('sh', ['-c', 'java -version 2>&1'], { encoding: 'utf8' }).split('\n')[0]?.trim() || 'unknown';
  } catch {
    return 'not found';
  }
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    java: javaVersion(),
    date: new Date().toISOString(),
  };
}

/** The 1, 5 and 15 minute load averages, rounded to 2 decimals. */
export function loadAverage(): [number, number, number] {
  const [one = 0, five = 0, fifteen = 0] = os.loadavg().map((value) => Math.round(value * 100) / 100);
  return [one, five, fifteen];
}

/** One line for the table and the README, e.g. "Intel Xeon … × 2, 23.4 GiB, Node v20.20.2, openjdk 17.0.15". */
export function describeMachine(machine: MachineInfo): string {
  return `${machine.cpuModel} × ${machine.cpuCount}, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, ${machine.java}`;
}
