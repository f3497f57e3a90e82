/**
 * Rounds against real emulators (kinesalite and a team's own DynamoDB Local): a correct pipeline
 * passes with a measured time-to-correct, and each diagnosis code comes out of a pipeline or a
 * table that really has that bug.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDbClient } from '@/lib/aws/clients';
import { type Emulator, startKinesisEmulator } from '@/lib/local/emulators';
import { freePort } from '@/lib/local/ports';
import { type LocalTeamStack, startLocalTeam } from '@/lib/local/team-stack';
import { handler as generatorLambda } from './lambda';
import { makeRound } from './messages';
import { type RoundOutcome, type RoundSettings, runRound, type TeamTarget } from './round';
import { sendRecords } from './sender';
import { type PipelineBug, TestPipeline } from './test-support/test-pipeline';
import { startThrottlingProxy } from './test-support/throttling-proxy';

let kinesis: Emulator;
let team: LocalTeamStack;
let target: TeamTarget;

beforeAll(async () => {
  kinesis = await startKinesisEmulator('kinesis-round-test', { port: await freePort() });
  team = await startLocalTeam({ slug: 'alpha', port: await freePort(), kinesisEndpoint: kinesis.endpoint, shardCount: 4 });
  target = { connection: team.connection, resources: team.resources };
});

afterAll(async () => {
  await team?.stop();
  await kinesis?.process.stop();
});

/** Runs one round with a test pipeline that has the given bug, and stops the pipeline afterwards. */
async function roundWith(bug: PipelineBug | null, settings: Partial<RoundSettings> = {}): Promise<RoundOutcome> {
  const pipeline = bug ? await TestPipeline.start(target, bug) : null;
  try {
    return await runRound(target, { seed: 1, lab: 1, messages: 2000, deadlineSeconds: 8, ...settings });
  } finally {
    await pipeline?.idle(500);
    await pipeline?.stop();
  }
}

/** A seed whose Lab 2 round has several out-of-order modifications (stale versions to overwrite with). */
function seedWithStaleMessages(messages: number): number {
  for (let seed = 1; ; seed++) if (makeRound({ seed, lab: 2, messages }).counts.modifiedOutOfOrder >= 3) return seed;
}

describe('a round against a correct pipeline', () => {
  it('passes Lab 1 and records time-to-correct from the start of sending', async () => {
    const outcome = await roundWith('none', { seed: 11, messages: 4000 });
    expect(outcome.status).toBe('passed');
    expect(outcome.verdict?.keys.every((key) => key.matches)).toBe(true);
    expect(outcome.timeToCorrectMs).toBeGreaterThan(0);
    const sentAfterMs = Date.parse(outcome.sentAt!) - Date.parse(outcome.sendStartedAt!);
    expect(outcome.timeToCorrectMs!).toBeGreaterThanOrEqual(sentAfterMs);
    expect(outcome.diagnosis).toBeNull();
    console.log(
      `time-to-correct with the test pipeline: ${outcome.timeToCorrectMs} ms for ${outcome.counts.messages} records (sent in ${Math.round(outcome.send!.durationMs)} ms)`,
    );
  });

  it('passes Lab 2 (duplicates and stale versions skipped) and writes the failure percentages', async () => {
    const outcome = await roundWith('none', {
      seed: seedWithStaleMessages(4000),
      lab: 2,
      messages: 4000,
      failurePercentages: { state: 5, map: 10, reduce: 10 },
    });
    expect(outcome.status).toBe('passed');
    expect(outcome.counts.duplicates).toBe(500);
    const item = await dynamoDbClient(target.connection).send(
      new GetItemCommand({ TableName: target.resources.parameterTable, Key: { parameter: { S: 'FAILURE_MAP_LAMBDA_PCT' } } }),
    );
    expect(item.Item?.value).toEqual({ N: '10' });
  });

  it('runs the same round from the Lambda handler', async () => {
    const pipeline = await TestPipeline.start(target);
    const env = {
      STREAM_NAME: target.resources.streamName,
      AGGREGATE_TABLE_NAME: target.resources.aggregateTable,
      PARAMETER_TABLE_NAME: target.resources.parameterTable,
      LAB: '1',
      ROUND_MESSAGES: '1000',
      ROUND_DEADLINE_SECONDS: '8',
      SEED: '5',
      DYNAMODB_ENDPOINT: target.connection.dynamodbEndpoint,
      KINESIS_ENDPOINT: target.connection.kinesisEndpoint,
      AWS_REGION: target.connection.region,
    };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const result = await generatorLambda();
      if (result.status === 'skipped') throw new Error(`the Lambda handler skipped its round: ${result.reason}`);
      expect(result).toMatchObject({ status: 'passed', seed: 5, lab: 1, counts: { messages: 1000 } });
      expect(result.keys).toHaveLength(18);
    } finally {
      process.env = saved;
      await pipeline.idle(500);
      await pipeline.stop();
    }
  });

  it('measures the send throughput into kinesalite', async () => {
    const round = makeRound({ seed: 3, lab: 1, messages: 10_000 });
    const report = await sendRecords(target.connection, target.resources.streamName, round.records);
    expect(report.records).toBe(10_000);
    expect(report.lanes).toBe(4);
    console.log(
      `sent 10,000 records in ${Math.round(report.durationMs)} ms (${Math.round(10_000 / (report.durationMs / 1000))} records/s, ${report.calls} calls, ${report.retries} retries)`,
    );
  });
});

describe('sending through a throttling stream', () => {
  it('retries rejected records until each is acknowledged exactly once: the round still passes', async () => {
    const proxy = await startThrottlingProxy(kinesis.endpoint, (partitionKey, attempt) => attempt <= 2 && partitionKey.charCodeAt(0) % 3 === 0);
    try {
      const throttled = { ...target, connection: { ...target.connection, kinesisEndpoint: proxy.endpoint } };
      const pipeline = await TestPipeline.start(target);
      const outcome = await runRound(throttled, { seed: 21, lab: 2, messages: 2000, deadlineSeconds: 8 }).finally(async () => {
        await pipeline.idle(500);
        await pipeline.stop();
      });
      expect(proxy.rejected()).toBeGreaterThan(500);
      expect(outcome.send!.retries).toBe(proxy.rejected());
      expect(outcome.status).toBe('passed');
    } finally {
      await proxy.close();
    }
  });

  it('voids the round, with its reason, when some records are never acknowledged', async () => {
    const proxy = await startThrottlingProxy(kinesis.endpoint, (partitionKey) => partitionKey.startsWith('f'));
    try {
      const outcome = await runRound(
        { ...target, connection: { ...target.connection, kinesisEndpoint: proxy.endpoint } },
        { seed: 22, lab: 1, messages: 300, deadlineSeconds: 2, maxSendAttempts: 3 },
      );
      expect(outcome.status).toBe('void');
      expect(outcome.voidReason).toMatch(/\d+ of 300 records were not acknowledged by stream alpha-IncomingDataStream after 3 attempts/);
      expect(outcome.diagnosis).toBeNull();
      expect(outcome.sentAt).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });
});

describe('diagnosis of pipelines that really have a bug', () => {
  it('no-change: nothing reads the stream', async () => {
    const outcome = await roundWith(null, { deadlineSeconds: 2 });
    expect(outcome.status).toBe('failed');
    expect(outcome.diagnosis?.code).toBe('no-change');
  });

  it('partial (lost): a pipeline that drops records', async () => {
    const outcome = await roundWith('drop-records', { deadlineSeconds: 4 });
    expect(outcome.diagnosis?.code).toBe('partial');
    expect(outcome.diagnosis?.message).toMatch(/lost/);
    const worth = Number(/about (\d+) messages' worth/.exec(outcome.diagnosis!.message)?.[1]);
    expect(worth).toBeGreaterThan(150);
    expect(worth).toBeLessThan(250);
  });

  it('partial (late): a pipeline too slow for the deadline', async () => {
    const outcome = await roundWith('slow', { messages: 4000, deadlineSeconds: 1 });
    expect(outcome.diagnosis?.code).toBe('partial');
    expect(outcome.diagnosis?.message).toMatch(/late/);
  });

  it('double-applied: a pipeline that writes a batch twice', async () => {
    const outcome = await roundWith('double-batch', { deadlineSeconds: 4 });
    expect(outcome.diagnosis?.code).toBe('double-applied');
    expect(outcome.diagnosis?.labStep).toBe('Lab 2, step 2');
  });

  it('double-applied: totals exact for a moment, then a retried last batch added again, fail the round', async () => {
    const outcome = await roundWith('double-last-batch', { deadlineSeconds: 6 });
    expect(outcome.status).toBe('failed');
    expect(outcome.diagnosis?.code).toBe('double-applied');
  });

  it('stale-versions: a pipeline where the last-arriving version wins', async () => {
    const outcome = await roundWith('last-wins', { lab: 2, messages: 4000, seed: seedWithStaleMessages(4000), deadlineSeconds: 4 });
    expect(outcome.status).toBe('failed');
    expect(outcome.diagnosis?.code).toBe('stale-versions');
    expect(outcome.diagnosis?.message).toMatch(/match exactly/);
    expect(outcome.diagnosis?.labStep).toBe('Lab 2, step 1');
  });

  it('unknown: a pipeline that writes leaf keys in the wrong order', async () => {
    const outcome = await roundWith('wrong-key-order', { deadlineSeconds: 4 });
    expect(outcome.diagnosis?.code).toBe('unknown');
    expect(outcome.diagnosis?.message).toMatch(/don't add up/);
  });

  it('access-denied: an endpoint that refuses the credentials as AWS does', async () => {
    const refusing = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'test' });
        response.end(
          JSON.stringify({
            __type: 'com.amazonaws.dynamodb.v20120810#AccessDeniedException',
            Message: 'User: arn:aws:sts::111111111111:assumed-role/scoreboard/x is not authorized to perform: dynamodb:Scan',
          }),
        );
      });
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
      const outcome = await runRound(
        { ...target, connection: { ...target.connection, dynamodbEndpoint: endpoint } },
        { seed: 1, lab: 1, messages: 100, deadlineSeconds: 2 },
      );
      expect(outcome.status).toBe('failed');
      expect(outcome.diagnosis?.code).toBe('access-denied');
      expect(outcome.sendStartedAt).toBeUndefined();
    } finally {
      refusing.close();
    }
  });

  it('missing-table: the AggregateTable was deleted', async () => {
    await dynamoDbClient(target.connection).send(new DeleteTableCommand({ TableName: target.resources.aggregateTable }));
    const outcome = await roundWith(null, { deadlineSeconds: 2 });
    expect(outcome.status).toBe('failed');
    expect(outcome.diagnosis?.code).toBe('missing-table');
    expect(outcome.diagnosis?.message).toMatch(/AggregateTable not found/);
  });
});
