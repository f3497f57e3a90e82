/**
 * A team's function logs: a bounded ring buffer of log entries with increasing ids, queried by
 * function and "after this id" so readers can follow it.
 */
import type { PipelineFunction } from '@/lib/pipeline-resources';
import type { LogEntry } from './log-entry';

export const DEFAULT_LOG_CAPACITY = 5_000;
/** Longer console output is cut (Lambda's own limit per log event is 256 KB). */
export const MAX_MESSAGE_CHARS = 8_192;
export const DEFAULT_QUERY_LIMIT = 500;

export type NewLogEntry = Omit<LogEntry, 'id' | 'time' | 'team'>;

export interface LogQuery {
  function?: PipelineFunction;
  /** Only entries with a greater id; without it, the newest entries. */
  after?: number;
  limit?: number;
}

export function truncateMessage(message: string): string {
  if (message.length <= MAX_MESSAGE_CHARS) return message;
  return `${message.slice(0, MAX_MESSAGE_CHARS)}… (${message.length - MAX_MESSAGE_CHARS} more characters cut)`;
}

export class LogBuffer {
  private readonly entries: LogEntry[] = [];
  /** Index in `entries` of the oldest entry once the buffer is full. */
  private start = 0;
  private nextId = 1;

  constructor(
    readonly team: string,
    private readonly capacity = DEFAULT_LOG_CAPACITY,
  ) {}

  append(entry: NewLogEntry): LogEntry {
    const full: LogEntry = { id: this.nextId++, time: new Date().toISOString(), team: this.team, ...entry, message: truncateMessage(entry.message) };
    if (this.entries.length < this.capacity) {
      this.entries.push(full);
    } else {
      this.entries[this.start] = full;
      this.start = (this.start + 1) % this.capacity;
    }
    return full;
  }

  /** Entries in id order: the first `limit` after `after`, or the newest `limit` without it. */
  query(query: LogQuery = {}): LogEntry[] {
    const limit = query.limit ?? DEFAULT_QUERY_LIMIT;
    const matches: LogEntry[] = [];
    if (query.after !== undefined) {
      for (const entry of this.ordered()) {
        if (entry.id > query.after && (!query.function || entry.function === query.function)) {
          matches.push(entry);
          if (matches.length === limit) break;
        }
      }
      return matches;
    }
    const ordered = this.ordered();
    for (let index = ordered.length - 1; index >= 0 && matches.length < limit; index--) {
      const entry = ordered[index]!; // within the loop's bounds
      if (!query.function || entry.function === query.function) matches.push(entry);
    }
    return matches.reverse();
  }

  private ordered(): LogEntry[] {
    return this.start === 0 ? this.entries : [...this.entries.slice(this.start), ...this.entries.slice(0, this.start)];
  }
}
