/** The log ring buffer: newest entries kept, following by id, filtering by function, long messages cut. */
import { describe, expect, it } from 'vitest';
import { LogBuffer, MAX_MESSAGE_CHARS } from './log-buffer';

describe('log buffer', () => {
  it('keeps the newest entries, follows by id and filters by function', () => {
    const logs = new LogBuffer('team', 3);
    for (const [index, fn] of (['state', 'map', 'state', 'reduce', 'state'] as const).entries()) {
      logs.append({ function: fn, kind: 'output', level: 'info', message: `m${index}` });
    }
    expect(logs.query().map((entry) => entry.id)).toEqual([3, 4, 5]);
    expect(logs.query({ after: 3 }).map((entry) => entry.message)).toEqual(['m3', 'm4']);
    expect(logs.query({ function: 'state' }).map((entry) => entry.id)).toEqual([3, 5]);
    expect(logs.query({ limit: 1 }).map((entry) => entry.id)).toEqual([5]);
    expect(logs.query({ after: 0, limit: 1 }).map((entry) => entry.id)).toEqual([3]);
  });

  it('cuts very long messages', () => {
    const logs = new LogBuffer('team');
    const entry = logs.append({ function: 'map', kind: 'output', level: 'info', message: 'x'.repeat(MAX_MESSAGE_CHARS + 10) });
    expect(entry.message).toMatch(/… \(10 more characters cut\)$/);
  });
});
