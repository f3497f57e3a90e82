/** Cutting a shard's records into batches: the batch size and the 6 MB invoke payload limit. */
import { describe, expect, it } from 'vitest';
import { EVENT_ENVELOPE_BYTES, MAX_PAYLOAD_BYTES } from './lambda-events';
import { batchLength } from './shard-reader';
import type { SourceRecord } from './stream-sources';

describe('batches', () => {
  const record = (bytes: number): SourceRecord => ({ sequenceNumber: '1', record: {} as SourceRecord['record'], bytes, readAt: 0 });

  it('takes at most the batch size', () => {
    expect(
      batchLength(
        Array.from({ length: 250 }, () => record(100)),
        100,
      ),
    ).toBe(100);
    expect(
      batchLength(
        Array.from({ length: 30 }, () => record(100)),
        100,
      ),
    ).toBe(30);
  });

  it('stops before the 6 MB invoke payload limit, but always takes one record', () => {
    const megabyte = 1024 * 1024;
    const records = Array.from({ length: 10 }, () => record(megabyte));
    expect(batchLength(records, 10_000)).toBe(5);
    expect(5 * megabyte + EVENT_ENVELOPE_BYTES).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(batchLength([record(7 * megabyte)], 10_000)).toBe(1);
  });
});
