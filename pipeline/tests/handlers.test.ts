/**
 * The State, Map and Reduce handlers (starting and solution) invoked directly with Lambda-shaped
 * events against a real DynamoDB Local: the Lab 2 defects of the starting pipeline, their fixes in
 * the solution, and seeded failure injection.
 */
import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent, KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dynamoDbClient } from '@/lib/aws/clients';
import type { Hierarchy } from '@/lib/domain/hierarchy';
import type { RiskMessage } from '@/lib/domain/message';
import { Big } from '@/lib/domain/money';
import { FAILURE_PARAMETERS, type PipelineFunction } from '@/lib/pipeline-resources';
import { type Emulator, type LocalTeamStack, startKinesis, startTeam } from '@/testing/emulators';
import { batchHash } from '../shared/batch-hash';
import { seededRandom } from '../shared/failure-injection';
import { preAggregateBatch } from '../shared/map-math';
import { lambdaContext } from '../testing/lambda-context';
import { kinesisEvent } from '../testing/stream-records';
import { TableStreamReader } from '../testing/table-stream';

const SEED = 'handler-tests';

type Handler<E> = (event: E, context: Context) => Promise<void>;
type Variant = 'handlers' | 'solution';

const loaders = {
  handlers: {
    state: () => import('../handlers/state'),
    map: () => import('../handlers/map'),
    reduce: () => import('../handlers/reduce'),
  },
  solution: {
    state: () => import('../solution/state'),
    map: () => import('../solution/map'),
    reduce: () => import('../solution/reduce'),
  },
};

/** A fresh instance of a handler module (new client, new seeded random sequence), as a new Lambda instance. */
async function freshHandler<E>(variant: Variant, fn: PipelineFunction): Promise<Handler<E>> {
  vi.resetModules();
  const module = await loaders[variant][fn]();
  return module.handler as unknown as Handler<E>;
}

let kinesis: Emulator;
let team: LocalTeamStack;

function db() {
  return dynamoDbClient(team.connection);
}

async function setFailurePercentage(fn: PipelineFunction, percentage: number | null): Promise<void> {
  const parameter = FAILURE_PARAMETERS[fn];
  if (percentage === null) {
    await db().send(new DeleteItemCommand({ TableName: team.resources.parameterTable, Key: { parameter: { S: parameter } } }));
  } else {
    await db().send(new PutItemCommand({ TableName: team.resources.parameterTable, Item: { parameter: { S: parameter }, value: { N: String(percentage) } } }));
  }
}

async function stateItem(id: string) {
  const response = await db().send(new GetItemCommand({ TableName: team.resources.stateTable, Key: { id: { S: id } }, ConsistentRead: true }));
  return response.Item;
}

async function itemCount(table: string): Promise<number> {
  const response = await db().send(new ScanCommand({ TableName: table, Select: 'COUNT', ConsistentRead: true }));
  return response.Count ?? 0;
}

/** The AggregateTable as exact decimal strings per Identifier. */
async function aggregateTotals(): Promise<Record<string, Big>> {
  const response = await db().send(new ScanCommand({ TableName: team.resources.aggregateTable, ConsistentRead: true }));
  return Object.fromEntries((response.Items ?? []).map((item) => [item.Identifier?.S as string, new Big(item.Value?.N ?? '0')]));
}

function change(before: Record<string, Big>, after: Record<string, Big>, key: string): string {
  return (after[key] ?? new Big(0)).minus(before[key] ?? new Big(0)).toFixed(2);
}

const pvSpotEmea: Hierarchy = { RiskType: 'PV', Region: 'EMEA', TradeDesk: 'FXSpot' };
const deltaOptionsApac: Hierarchy = { RiskType: 'Delta', Region: 'APAC', TradeDesk: 'FXOptions' };

function trade(overrides: Partial<RiskMessage> = {}): RiskMessage {
  return { TradeID: randomUUID(), Value: 10, Version: 0, Timestamp: Date.now() / 1000, Hierarchy: pvSpotEmea, ...overrides };
}

/** Invokes a handler with one event until it succeeds, as a trigger retries a failed batch; returns the attempts. */
async function invokeUntilSuccess<E>(handler: Handler<E>, event: E, name: string): Promise<number> {
  for (let attempt = 1; attempt <= 50; attempt++) {
    try {
      await handler(event, lambdaContext(name));
      return attempt;
    } catch (error) {
      if ((error as Error).name !== 'InjectedFailure') throw error;
    }
  }
  throw new Error('no success in 50 attempts');
}

beforeAll(async () => {
  // The handlers' progress lines would drown the test report.
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  kinesis = await startKinesis();
  team = await startTeam('pipeline-handlers-test', kinesis.endpoint, 1);
  // The SDK's standard configuration, as the local runtime (and AWS Lambda) provides it.
  process.env.AWS_ENDPOINT_URL = team.connection.dynamodbEndpoint;
  process.env.AWS_REGION = team.connection.region;
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  process.env.FAILURE_INJECTION_SEED = SEED;
});

afterAll(async () => {
  await team?.stop();
  await kinesis?.process.stop();
});

describe('State', () => {
  it('solution: a stale version and an exact duplicate change nothing; messages older than 60 s are skipped', async () => {
    const state = await freshHandler<KinesisStreamEvent>('solution', 'state');
    const newer = trade({ Value: 10.1, Version: 1 });
    const stale = { ...newer, Value: 99.99, Version: 0, Hierarchy: deltaOptionsApac };
    const old = trade({ Timestamp: Date.now() / 1000 - 120 });
    await state(kinesisEvent([newer, stale, newer, old]), lambdaContext('StateLambda'));
    await state(kinesisEvent([stale]), lambdaContext('StateLambda'));

    const item = await stateItem(newer.TradeID);
    expect(item?.Version).toEqual({ N: '1' });
    expect(item?.Value).toEqual({ N: '10.1' });
    expect(item?.Hierarchy).toEqual({ S: '{"Region":"EMEA","RiskType":"PV","TradeDesk":"FXSpot"}' });
    expect(await stateItem(old.TradeID)).toBeUndefined();
  });

  it('starting: a stale version arriving after a newer one overwrites it', async () => {
    const state = await freshHandler<KinesisStreamEvent>('handlers', 'state');
    const newer = trade({ Value: 10.1, Version: 1 });
    const stale = { ...newer, Value: 99.99, Version: 0 };
    await state(kinesisEvent([newer]), lambdaContext('StateLambda'));
    await state(kinesisEvent([stale]), lambdaContext('StateLambda'));

    const item = await stateItem(newer.TradeID);
    expect(item?.Version).toEqual({ N: '0' });
    expect(item?.Value).toEqual({ N: '99.99' });
  });
});

describe('Map and Reduce', () => {
  let stateStream: TableStreamReader;
  let reduceStream: TableStreamReader;
  let mapBatch: DynamoDBRecord[];
  let reduceBatch: DynamoDBRecord[];

  beforeAll(async () => {
    stateStream = await TableStreamReader.open(team.connection, team.resources.stateTable);
    reduceStream = await TableStreamReader.open(team.connection, team.resources.reduceTable);
    await stateStream.next();
    await reduceStream.next();
  });

  it('Map writes one ReduceTable item per batch, and a retried identical batch writes nothing new', async () => {
    const state = await freshHandler<KinesisStreamEvent>('solution', 'state');
    const first = trade({ Value: 1.1 });
    const second = trade({ Value: 2.2, Hierarchy: deltaOptionsApac });
    await state(kinesisEvent([first, second, trade({ Value: 3.3 })]), lambdaContext('StateLambda'));
    await state(kinesisEvent([{ ...first, Version: 1, Value: 0.4, Hierarchy: deltaOptionsApac }]), lambdaContext('StateLambda'));
    mapBatch = await stateStream.next();
    expect(mapBatch.map((record) => record.eventName)).toEqual(['INSERT', 'INSERT', 'INSERT', 'MODIFY']);

    for (const variant of ['handlers', 'solution'] as const) {
      const map = await freshHandler<DynamoDBStreamEvent>(variant, 'map');
      const before = await itemCount(team.resources.reduceTable);
      await map({ Records: mapBatch }, lambdaContext('MapLambda'));
      await map({ Records: mapBatch }, lambdaContext('MapLambda'));
      expect(await itemCount(team.resources.reduceTable)).toBe(variant === 'handlers' ? before + 1 : before);
    }

    reduceBatch = await reduceStream.next();
    expect(reduceBatch).toHaveLength(1);
    const image = reduceBatch[0]?.dynamodb?.NewImage ?? {};
    expect(image.MessageId).toEqual({ S: batchHash(mapBatch) });
    const expected = preAggregateBatch(mapBatch);
    expect(expected.cents['PV:FXSpot:EMEA']).toBe(110 + 330 - 110);
    expect(new Big(image['PV:FXSpot:EMEA']?.N as string).toFixed(2)).toBe('3.30');
    expect(new Big(image['Delta:FXOptions:APAC']?.N as string).toFixed(2)).toBe('2.60');
    expect(new Big(image.Delta?.N as string).toFixed(2)).toBe('2.60');
    expect(image.message_count).toEqual({ N: '4' });
  });

  it('Reduce with the solution’s token adds a batch delivered twice once; the starting Reduce adds it twice', async () => {
    const event = { Records: reduceBatch };
    const solution = await freshHandler<DynamoDBStreamEvent>('solution', 'reduce');
    const start = await aggregateTotals();
    await solution(event, lambdaContext('ReduceLambda'));
    await solution(event, lambdaContext('ReduceLambda'));
    const afterSolution = await aggregateTotals();
    expect(change(start, afterSolution, 'PV:FXSpot:EMEA')).toBe('3.30');
    expect(change(start, afterSolution, 'PV')).toBe('3.30');
    expect(change(start, afterSolution, 'Delta')).toBe('2.60');
    expect(change(start, afterSolution, 'message_count')).toBe('4.00');
    expect(Object.keys(afterSolution)).toHaveLength(19);

    const starting = await freshHandler<DynamoDBStreamEvent>('handlers', 'reduce');
    await starting(event, lambdaContext('ReduceLambda'));
    await starting(event, lambdaContext('ReduceLambda'));
    const afterStarting = await aggregateTotals();
    expect(change(afterSolution, afterStarting, 'PV:FXSpot:EMEA')).toBe('6.60');
    expect(change(afterSolution, afterStarting, 'Delta:FXOptions:APAC')).toBe('5.20');
  });
});

describe('failure injection (seeded)', () => {
  afterAll(async () => {
    for (const fn of ['state', 'map', 'reduce'] as const) await setFailurePercentage(fn, null);
  });

  it('State fails before a record with probability pct/len(batch): at 100 % a one-record batch never writes', async () => {
    await setFailurePercentage('state', 100);
    const state = await freshHandler<KinesisStreamEvent>('solution', 'state');
    const message = trade();
    await expect(state(kinesisEvent([message]), lambdaContext('StateLambda'))).rejects.toThrow(/FAILURE_STATE_LAMBDA_PCT = 100 %/);
    expect(await stateItem(message.TradeID)).toBeUndefined();
  });

  it('State fails about pct % of its invocations, in the seeded sequence', async () => {
    await setFailurePercentage('state', 20);
    const state = await freshHandler<KinesisStreamEvent>('handlers', 'state');
    const random = seededRandom(`${SEED}:state`);
    let failures = 0;
    let predicted = 0;
    for (let invocation = 0; invocation < 100; invocation++) {
      // The handler draws once per record, before it, until one fails.
      for (let record = 0; record < 4; record++) {
        if (random() * 100 < 20 / 4) {
          predicted += 1;
          break;
        }
      }
      try {
        await state(kinesisEvent([trade(), trade(), trade(), trade()]), lambdaContext('StateLambda'));
      } catch (error) {
        expect((error as Error).name).toBe('InjectedFailure');
        failures += 1;
      }
    }
    expect(failures).toBeGreaterThanOrEqual(8);
    expect(failures).toBeLessThanOrEqual(32);
    expect(failures).toBe(predicted);
  });

  it('Map fails after its write with probability pct, the same way in every fresh instance', async () => {
    await setFailurePercentage('map', 30);
    const patterns: boolean[][] = [];
    for (let instance = 0; instance < 2; instance++) {
      const map = await freshHandler<DynamoDBStreamEvent>('solution', 'map');
      const pattern: boolean[] = [];
      for (let invocation = 0; invocation < 60; invocation++) {
        const batch = oneTradeMapEvent(invocation, instance);
        const before = await itemCount(team.resources.reduceTable);
        const failed = await map(batch, lambdaContext('MapLambda')).then(
          () => false,
          (error: Error) => error.name === 'InjectedFailure',
        );
        pattern.push(failed);
        // The item is written whether or not the invocation then fails.
        expect(await itemCount(team.resources.reduceTable)).toBe(before + 1);
      }
      patterns.push(pattern);
    }
    expect(patterns[1]).toEqual(patterns[0]);
    const failures = patterns[0]?.filter(Boolean).length;
    expect(failures).toBeGreaterThanOrEqual(8);
    expect(failures).toBeLessThanOrEqual(30);
  });

  it('a percentage outside 0–100 is reported with the parameter’s name', async () => {
    await setFailurePercentage('map', 150);
    const map = await freshHandler<DynamoDBStreamEvent>('solution', 'map');
    await expect(map(oneTradeMapEvent(2000, 0), lambdaContext('MapLambda'))).rejects.toThrow(
      /FAILURE_MAP_LAMBDA_PCT has value 150: expected a number between 0 and 100/,
    );
  });

  it('Reduce under injection: retried batches are added once by the solution, once per attempt by the starting one', async () => {
    await setFailurePercentage('reduce', 50);
    const map = await freshHandler<DynamoDBStreamEvent>('solution', 'map');
    await setFailurePercentage('map', 0);
    const reduceStream = await TableStreamReader.open(team.connection, team.resources.reduceTable);
    await reduceStream.next();
    const batches: DynamoDBStreamEvent[] = [];
    for (let index = 0; index < 6; index++) {
      await map(oneTradeMapEvent(1000 + index, 0), lambdaContext('MapLambda'));
      batches.push({ Records: await reduceStream.next() });
    }

    for (const variant of ['solution', 'handlers'] as const) {
      const reduce = await freshHandler<DynamoDBStreamEvent>(variant, 'reduce');
      const before = await aggregateTotals();
      let attempts = 0;
      for (const batch of batches) attempts += await invokeUntilSuccess(reduce, batch, 'ReduceLambda');
      const after = await aggregateTotals();
      expect(attempts).toBeGreaterThan(batches.length);
      const perBatch = new Big('1.23');
      const expectedAdds = variant === 'solution' ? batches.length : attempts;
      expect(change(before, after, 'Delta:FXSpot:AMER')).toBe(perBatch.times(expectedAdds).toFixed(2));
      expect(change(before, after, 'message_count')).toBe(new Big(expectedAdds).toFixed(2));
    }
  });
});

/** A one-record StateTable batch (Delta:FXSpot:AMER, 1.23), unique per (index, instance) run. */
function oneTradeMapEvent(index: number, instance: number): DynamoDBStreamEvent {
  const image = {
    id: { S: `map-test-${index}` },
    Value: { N: '1.23' },
    Version: { N: '0' },
    Hierarchy: { S: '{"Region":"AMER","RiskType":"Delta","TradeDesk":"FXSpot"}' },
    Timestamp: { N: String(Date.now() / 1000) },
  };
  return {
    Records: [
      {
        eventID: `map-test-${index}-${instance}-${randomUUID()}`,
        eventName: 'INSERT',
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: 'us-east-1',
        dynamodb: { Keys: { id: image.id }, NewImage: image, SequenceNumber: String(100000 + index), SizeBytes: 80, StreamViewType: 'NEW_AND_OLD_IMAGES' },
        eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/StateTable/stream/2024-01-01T00:00:00.000',
      },
    ],
  };
}
