/**
 * What the organiser's machine measured about itself (`MACHINE`/`CPU`): the CPU its local teams'
 * stack spent over their recent messages, on how many cores (lib/domain/capacity.ts). Written by
 * the supervisor in local mode; read by the web app to show and check the machine's capacity.
 */
import type { CpuMeasurement } from '../domain/capacity';
import type { StoreTable } from './table';

const CPU_KEY = { pk: 'MACHINE', sk: 'CPU' };

export class MachineRecords {
  constructor(private readonly table: StoreTable) {}

  saveCpuMeasurement(measurement: CpuMeasurement): Promise<void> {
    return this.table.put(CPU_KEY, measurement);
  }

  /** The latest measurement; null before the supervisor wrote one (or in AWS mode, which runs no local teams). */
  cpuMeasurement(): Promise<CpuMeasurement | null> {
    return this.table.get<CpuMeasurement>(CPU_KEY);
  }
}
