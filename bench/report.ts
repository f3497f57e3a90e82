/** The benchmark's one table: a header row per figure (with the load average), then its measurements. */
import Table from 'cli-table3';
import type { FigureRecord } from './figure';
import { describeMachine, type MachineInfo } from './machine';
import { seconds } from './stats';

const WIDTHS = [46, 44, 78];

export function renderTable(records: readonly FigureRecord[], machine: MachineInfo): string {
  const table = new Table({
    head: ['Measure', 'Result', 'How to read it'],
    colWidths: WIDTHS,
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const record of records) {
    const load = `load ${record.loadAverage.start[0]} → ${record.loadAverage.end[0]}`;
    table.push([{ colSpan: 3, content: `Figure ${record.figure}: ${record.title} (${seconds(record.durationMs)}, ${load})` }]);
    if (record.error) table.push([{ colSpan: 3, content: `not measured: ${record.error}` }]);
    for (const row of record.rows) table.push([row.measure, row.result, row.note ?? '']);
  }
  return `${table.toString()}\nMachine: ${describeMachine(machine)}, ${machine.date}`;
}
