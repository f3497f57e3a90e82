/** Unit tests of the State stage's records, the batch hashes, table names and the failure-injection draws. */
import { describe, expect, it } from 'vitest';
import type { RiskMessage } from '../../lib/domain/message';
import { insertRecord, kinesisRecord } from '../testing/stream-records';
import { batchHash, batchToken, CLIENT_REQUEST_TOKEN_MAX_LENGTH, canonicalJson } from './batch-hash';
import { failsAfterWrite, failsBeforeRecord, failureRandom, seededRandom } from './failure-injection';
import { decodeKinesisRecord, isTooOld, stateItem } from './state-records';
import { pipelineTables } from './table-names';

const message: RiskMessage = {
  TradeID: '0d957268-2913-4dbb-b359-5ec5ff732cac',
  Value: 34624.5,
  Version: 3,
  Timestamp: 1616413258.8997078,
  Hierarchy: { RiskType: 'Delta', Region: 'AMER', TradeDesk: 'FXSpot' },
};

describe('State records', () => {
  it('decodes a Kinesis record and builds the StateTable item with exact numbers and sorted Hierarchy', () => {
    const decoded = decodeKinesisRecord(kinesisRecord(message, '1'));
    expect(decoded).toEqual(message);
    expect(stateItem(decoded)).toEqual({
      id: { S: message.TradeID },
      Value: { N: '34624.50' },
      Version: { N: '3' },
      Hierarchy: { S: '{"Region":"AMER","RiskType":"Delta","TradeDesk":"FXSpot"}' },
      Timestamp: { N: '1616413258.8997078' },
    });
  });

  it('names the record that does not carry a risk message', () => {
    const record = kinesisRecord(message, '42');
    record.kinesis.data = Buffer.from('{"TradeID": 5}').toString('base64');
    expect(() => decodeKinesisRecord(record)).toThrow(/record 42 .*TradeID/);
  });

  it('skips messages more than 60 s old', () => {
    expect(isTooOld({ ...message, Timestamp: 1000 }, 1060)).toBe(false);
    expect(isTooOld({ ...message, Timestamp: 1000 }, 1060.5)).toBe(true);
  });
});

describe('batch hashes', () => {
  it('are equal for equal batches whatever the key order, and differ for different batches', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
    const records = [insertRecord({ id: { S: 'a' } }), insertRecord({ id: { S: 'b' } })];
    const copy = JSON.parse(JSON.stringify(records));
    expect(batchHash(copy)).toBe(batchHash(records));
    expect(batchHash(records)).toMatch(/^[0-9a-f]{64}$/);
    expect(batchHash(records.slice(0, 1))).not.toBe(batchHash(records));
    expect(batchHash([...records].reverse())).not.toBe(batchHash(records));
  });

  it('make a ClientRequestToken within DynamoDB’s 36 characters', () => {
    const token = batchToken([insertRecord({ id: { S: 'a' } })]);
    expect(token.length).toBeLessThanOrEqual(CLIENT_REQUEST_TOKEN_MAX_LENGTH);
    expect(token).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('table names', () => {
  it('come from the environment, defaulting to the game’s names', () => {
    expect(pipelineTables({})).toEqual({ state: 'StateTable', reduce: 'ReduceTable', aggregate: 'AggregateTable', parameter: 'ParameterTable' });
    expect(pipelineTables({ STATE_TABLE_NAME: 't1-StateTable', AGGREGATE_TABLE_NAME: 't1-AggregateTable' })).toMatchObject({
      state: 't1-StateTable',
      aggregate: 't1-AggregateTable',
      reduce: 'ReduceTable',
    });
  });
});

describe('failure-injection draws', () => {
  it('State fails before a record with probability pct/len(batch) percent', () => {
    expect(failsBeforeRecord(0.0004, 5, 100)).toBe(true);
    expect(failsBeforeRecord(0.0005, 5, 100)).toBe(false);
    expect(failsBeforeRecord(0, 0, 100)).toBe(false);
  });

  it('Map and Reduce fail after the write with probability pct percent', () => {
    expect(failsAfterWrite(0.0999, 10)).toBe(true);
    expect(failsAfterWrite(0.1, 10)).toBe(false);
    expect(failsAfterWrite(0.9999, 100)).toBe(true);
  });

  it('a seeded source repeats its sequence per function, differs between functions, and is uniform', () => {
    const first = failureRandom('map', { FAILURE_INJECTION_SEED: '7' });
    const again = failureRandom('map', { FAILURE_INJECTION_SEED: '7' });
    const reduce = failureRandom('reduce', { FAILURE_INJECTION_SEED: '7' });
    const draws = Array.from({ length: 20_000 }, () => first());
    expect(Array.from({ length: 20_000 }, () => again())).toEqual(draws);
    expect(Array.from({ length: 5 }, () => reduce())).not.toEqual(draws.slice(0, 5));
    expect(draws.every((draw) => draw >= 0 && draw < 1)).toBe(true);
    const belowTenth = draws.filter((draw) => draw < 0.1).length;
    expect(belowTenth).toBeGreaterThan(1800);
    expect(belowTenth).toBeLessThan(2200);
    expect(failureRandom('map', {})).toBe(Math.random);
    expect(seededRandom('x')()).toBe(seededRandom('x')());
  });
});
