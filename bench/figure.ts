/** What every figure of the benchmark gives back: its inputs, its measurements and its rows of the table. */

export interface TableRow {
  measure: string;
  result: string;
  /** Context for reading the result: what limits it, what it is compared with. */
  note?: string;
}

export interface FigureOutput<Results = unknown> {
  results: Results;
  rows: TableRow[];
}

/** One object of results.json. */
export interface FigureRecord {
  figure: number;
  title: string;
  inputs: Record<string, unknown>;
  startedAt: string;
  durationMs: number;
  /** 1, 5 and 15 minute load averages when the figure started and when it ended. */
  loadAverage: { start: [number, number, number]; end: [number, number, number] };
  results: unknown;
  rows: TableRow[];
  /** Set when the figure could not be measured. */
  error?: string;
}

/** Where a figure writes its logs and temporary data, and how it reports progress. */
export interface FigureContext {
  workDirectory: string;
  log: (line: string) => void;
  /** Aborted on Ctrl-C: figures stop waiting and return. */
  signal: AbortSignal;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Throws when the run was interrupted (Ctrl-C), so a figure stops between steps. */
export function checkInterrupted(signal: AbortSignal): void {
  if (signal.aborted) throw new Error('interrupted');
}
