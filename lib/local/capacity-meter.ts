/**
 * The supervisor's capacity meter (local mode, issue 10 point 5): every few seconds it reads from
 * /proc the CPU time of the local teams' stack (the function runtime with the teams' sandboxes and
 * esbuild, the Kinesis emulator, each local team's DynamoDB Local) and from the runtime's status the
 * messages their State functions processed, keeps the spans in which the pipelines worked
 * (lib/domain/capacity.ts), and writes the measurement over the recent messages to the organiser
 * store, where the console and the API read it. Linux only (it reads /proc); elsewhere it writes nothing.
 */
import os from 'node:os';
import { fetchJson } from '../async';
import { type BusySpan, busySpan, keptSpans, measurementOf, type StackReading } from '../domain/capacity';
import type { RuntimeStatus } from '../runtime/runtime';
import { pipelineBusy, processedMessages } from '../runtime/status';
import type { OrganiserStore } from '../store/organiser-store';
import { cpuTimeMs, treeOf } from './process-tree';

const SAMPLE_INTERVAL_MS = 5000;
const STATUS_TIMEOUT_MS = 3000;

export interface CapacityMeterOptions {
  store: OrganiserStore;
  /** The function runtime's address (its GET /status). */
  runtimeUrl: string;
  /** The stack's processes now; everything below them is measured too (the runtime's sandboxes). */
  processes: () => ReadonlyArray<number | undefined>;
  intervalMs?: number;
}

export class CapacityMeter {
  private previous: StackReading | null = null;
  private spans: BusySpan[] = [];
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly cores = os.availableParallelism();

  constructor(private readonly options: CapacityMeterOptions) {}

  start(): void {
    if (process.platform !== 'linux') return;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.sample().finally(() => this.schedule()), this.options.intervalMs ?? SAMPLE_INTERVAL_MS);
    this.timer.unref();
  }

  /** One reading; a busy span since the previous one updates the measurement in the store. */
  private async sample(): Promise<void> {
    const status = await this.runtimeStatus();
    if (!status) {
      this.previous = null;
      return;
    }
    const roots = this.options.processes().filter((pid): pid is number => pid !== undefined);
    const cpuMsByProcess = new Map<number, number>();
    for (const pid of treeOf(roots)) {
      const ms = cpuTimeMs(pid);
      if (ms !== null) cpuMsByProcess.set(pid, ms);
    }
    const reading: StackReading = { at: Date.now(), cpuMsByProcess, messagesByTeam: processedMessages(status), busy: pipelineBusy(status) };
    const span = this.previous ? busySpan(this.previous, reading) : null;
    this.previous = reading;
    if (!span) return;
    this.spans = keptSpans([...this.spans, span]);
    await this.options.store.machine.saveCpuMeasurement(measurementOf(this.spans, this.cores, new Date())).catch(() => undefined);
  }

  /** The runtime's status; null while it does not answer (restarting), which starts the readings afresh. */
  private async runtimeStatus(): Promise<RuntimeStatus | null> {
    try {
      return await fetchJson<RuntimeStatus>(`${this.options.runtimeUrl}/status`, AbortSignal.timeout(STATUS_TIMEOUT_MS));
    } catch {
      return null;
    }
  }
}
