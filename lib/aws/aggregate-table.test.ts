/**
 * Reading a team's AggregateTable against a real DynamoDB Local, with hostile data in it: the read
 * is one BatchGetItem of the 18 keys and `message_count` however many other items the table holds
 * (counted through the SDK client's middleware, not timed), huge items cost no more, and values
 * that cannot be totalled (`1E+20`, strings, maps, a 390 KB string) are named, never matched, and
 * give the round a `bad-value` diagnosis instead of breaking the judge.
 */
import { BatchWriteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeRound } from '@/generator/messages';
import { dynamoDbFixture } from '@/testing/fixtures';
import { diagnose } from '../domain/diagnosis';
import { AGGREGATION_KEYS, MESSAGE_COUNT_KEY } from '../domain/hierarchy';
import { judgeChange } from '../domain/verdict';
import { LOCAL_REGION } from '../local/emulators';
import { createTable } from '../local/team-resources';
import { tableSpec } from '../pipeline-resources';
import { readAggregateTable } from './aggregate-table';
import { type Connection, dynamoDbClient } from './clients';

const emulator = dynamoDbFixture();
const TABLE = 'HostileAggregateTable';
const JUNK_ITEMS = 10_000;
const HUGE = 'x'.repeat(390 * 1024);
let connection: Connection;
/** Each request the client sent: its command and how many items it returned. */
const requests: Array<{ command: string; items: number }> = [];

async function put(identifier: string, value: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<void> {
  await dynamoDbClient(connection).send(new PutItemCommand({ TableName: TABLE, Item: { Identifier: { S: identifier }, Value: value, ...extra } as never }));
}

/** Reads the table, returning what the read sent and received. */
async function countedRead() {
  requests.length = 0;
  const values = await readAggregateTable(connection, TABLE);
  return { values, requests: [...requests] };
}

beforeAll(async () => {
  connection = { region: LOCAL_REGION, dynamodbEndpoint: emulator().endpoint };
  const client = dynamoDbClient(connection);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const responses = (result.output as { Responses?: Record<string, unknown[]> }).Responses;
      requests.push({ command: String(context.commandName), items: responses?.[TABLE]?.length ?? 0 });
      return result;
    },
    { step: 'initialize', name: 'countAggregateReads' },
  );
  await createTable(connection, TABLE, tableSpec('aggregate'));
  for (const key of [...AGGREGATION_KEYS, MESSAGE_COUNT_KEY]) await put(key, { N: '10.5' });
});

describe('reading an AggregateTable', () => {
  it('reads the 19 keys in one call, and the same however many other items and however large they are', async () => {
    const before = await countedRead();
    expect(before.requests).toEqual([{ command: 'BatchGetItemCommand', items: 19 }]);
    expect(before.values.size).toBe(19);

    const client = dynamoDbClient(connection);
    const writes: Promise<unknown>[] = [];
    for (let start = 0; start < JUNK_ITEMS; start += 25) {
      const items = Array.from({ length: 25 }, (_, offset) => ({
        PutRequest: { Item: { Identifier: { S: `junk-${start + offset}` }, Value: { S: 'junk' } } },
      }));
      writes.push(client.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: items } })));
      if (writes.length === 8) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
    for (let index = 0; index < 3; index++) await put(`huge-${index}`, { S: HUGE });
    // A scored key with a valid Value and a huge attribute beside it: only Identifier and Value are read.
    await put('PV', { N: '10.5' }, { Padding: { S: HUGE } });

    const after = await countedRead();
    expect(after.requests).toEqual([{ command: 'BatchGetItemCommand', items: 19 }]);
    expect([...after.values]).toEqual([...before.values]);
    expect(after.values.unusable?.size).toBe(0);
  });

  it('names values that cannot be totalled, never matches them, and diagnoses the round as bad-value', async () => {
    const baseline = await readAggregateTable(connection, TABLE);
    await put('PV:FXSpot:EMEA', { N: '1E+20' });
    await put('Delta', { S: 'NaN' });
    await put('PV:FXOptions', { M: { total: { N: '1' } } });
    await put('Delta:FXSpot:AMER', { S: HUGE });
    const { values, requests: sent } = await countedRead();
    expect(sent).toEqual([{ command: 'BatchGetItemCommand', items: 19 }]);
    expect(Object.fromEntries(values.unusable ?? [])).toEqual({
      // DynamoDB keeps numbers normalised: 1E+20 comes back in full.
      'PV:FXSpot:EMEA': '100000000000000000000, not an amount the game can total (at most 1,000,000,000,000 in size, 2 decimals)',
      Delta: 'the string "NaN", not a number',
      'PV:FXOptions': 'a map of 1 attribute(s), not a number',
      'Delta:FXSpot:AMER': `the string "${'x'.repeat(40)}…" (399,360 characters), not a number`,
    });
    expect(values.has('PV:FXSpot:EMEA')).toBe(false);

    const round = makeRound({ seed: 5, lab: 1, messages: 200, now: () => 0 });
    const verdict = judgeChange(baseline, values, round.expected);
    expect(verdict.passed).toBe(false);
    expect(verdict.keys.filter((key) => values.unusable?.has(key.key)).map((key) => key.matches)).toEqual([false, false, false, false]);

    const diagnosis = diagnose({ lab: 1, expected: round.expected, baseline, after: values, stillChanging: false, facts: round.facts });
    expect(diagnosis.code).toBe('bad-value');
    expect(diagnosis.message).toMatch(
      /^Your AggregateTable's key PV:FXSpot:EMEA held 100000000000000000000, not an amount the game can total .* \(and 3 more keys like it\)/,
    );
    expect(diagnosis.message.length).toBeLessThan(400);

    // Junk that was there when the round started is named too, even once the pipeline overwrote it.
    const repaired = await readAggregateTable(connection, TABLE);
    const fixed = new Map([...repaired, ...AGGREGATION_KEYS.map((key): [string, string] => [key, '10.5'])]);
    expect(diagnose({ lab: 1, expected: round.expected, baseline: values, after: fixed, stillChanging: false, facts: round.facts })).toMatchObject({
      code: 'bad-value',
      message: expect.stringMatching(/^Your AggregateTable's key PV:FXSpot:EMEA held 100000000000000000000,.*when the round started/),
    });
  });
});
