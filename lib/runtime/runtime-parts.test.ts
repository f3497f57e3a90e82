/**
 * The runtime's pure parts: the wiring file's validation (including the repository's own wiring
 * files), batch cutting at the 6 MB payload limit, Lambda's DynamoDB JSON, the log ring buffer and
 * the concurrency limiter.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from './concurrency';
import { EVENT_ENVELOPE_BYTES, lambdaAttributeValue, MAX_PAYLOAD_BYTES, withRegion } from './events';
import { LogBuffer, MAX_MESSAGE_CHARS } from './log-buffer';
import { batchLength } from './shard-reader';
import type { SourceRecord } from './stream-sources';
import { parseWiring } from './wiring';

const repository = path.resolve(import.meta.dirname, '../..');

describe('wiring file', () => {
  it('accepts the starting and the solution wiring, with defaults filled in', () => {
    const starting = parseWiring(readFileSync(path.join(repository, 'pipeline/handlers/triggers.json'), 'utf8'));
    const solution = parseWiring(readFileSync(path.join(repository, 'pipeline/solution/triggers.json'), 'utf8'));
    if (!starting.ok || !solution.ok) throw new Error('repository wiring rejected');
    expect(starting.wiring.triggers.map((trigger) => trigger.function)).toEqual(['map']);
    expect(solution.wiring.triggers.map((trigger) => `${trigger.source}->${trigger.function}`)).toEqual([
      'IncomingDataStream->state',
      'StateTable->map',
      'ReduceTable->reduce',
    ]);
    expect(solution.wiring.functions.reduce?.reservedConcurrency).toBe(1);
    expect(solution.wiring.triggers[0]).toMatchObject({ maximumBatchingWindowInSeconds: 0, maximumRetryAttempts: -1 });
  });

  it('names the faulty field', () => {
    const base = { functions: { state: { handler: 'state.ts', timeoutSeconds: 60 } }, triggers: [] as unknown[] };
    const problem = (value: unknown) => {
      const parsed = parseWiring(JSON.stringify(value));
      return parsed.ok ? 'accepted' : parsed.problem;
    };
    expect(problem({ ...base, triggers: [{ function: 'state', source: 'IncomingDataStream', batchSize: 0, startingPosition: 'LATEST' }] })).toContain(
      'triggers.0.batchSize',
    );
    expect(problem({ ...base, triggers: [{ function: 'map', source: 'StateTable', batchSize: 10, startingPosition: 'LATEST' }] })).toContain(
      'function "map" is not defined',
    );
    expect(problem({ ...base, triggers: [{ function: 'state', source: 'Elsewhere', batchSize: 10, startingPosition: 'LATEST' }] })).toContain(
      'triggers.0.source',
    );
    expect(
      problem({ ...base, triggers: [{ function: 'state', source: 'IncomingDataStream', batchSize: 10, startingPosition: 'LATEST', batchsize: 5 }] }),
    ).toContain('batchsize');
    const twice = { function: 'state', source: 'IncomingDataStream', batchSize: 10, startingPosition: 'LATEST' };
    expect(problem({ ...base, triggers: [twice, twice] })).toContain('a second trigger from IncomingDataStream to state');
    expect(problem({ functions: { state: { handler: 'state.py', timeoutSeconds: 60 } }, triggers: [] })).toContain('functions.state.handler');
    expect(parseWiring('{ "functions": ').ok).toBe(false);
  });
});

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

describe('Lambda event values', () => {
  it('encodes binary attributes as base64, recursively', () => {
    expect(lambdaAttributeValue({ M: { b: { B: new Uint8Array([1, 2]) }, l: { L: [{ BS: [new Uint8Array([255])] }, { N: '1.50' }] } } })).toEqual({
      M: { b: { B: 'AQI=' }, l: { L: [{ BS: ['/w=='] }, { N: '1.50' }] } },
    });
  });

  it("puts the region into DynamoDB Local's stream ARNs", () => {
    expect(withRegion('arn:aws:dynamodb:ddblocal:000000000000:table/T/stream/2024-01-01T00:00:00.000', 'eu-west-1')).toBe(
      'arn:aws:dynamodb:eu-west-1:000000000000:table/T/stream/2024-01-01T00:00:00.000',
    );
  });
});

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

describe('concurrency limiter', () => {
  it('admits at most the limit, first come first served, and follows a new limit', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const admitted: string[] = [];
    expect(await limiter.acquire()).toBe(true);
    const waiting = ['a', 'b', 'c'].map((name) => limiter.acquire().then(() => admitted.push(name)));
    await Promise.resolve();
    expect(admitted).toEqual([]);
    limiter.release();
    await waiting[0];
    expect(admitted).toEqual(['a']);
    limiter.setLimit(3);
    await Promise.all(waiting);
    expect(admitted).toEqual(['a', 'b', 'c']);
    expect(limiter.active).toBe(3);
  });

  it('gives up waiting when aborted', async () => {
    const limiter = new ConcurrencyLimiter(0);
    const controller = new AbortController();
    const acquired = limiter.acquire(controller.signal);
    controller.abort();
    expect(await acquired).toBe(false);
    limiter.setLimit(1);
    expect(limiter.active).toBe(0);
  });
});
