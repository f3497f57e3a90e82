/**
 * Rounds against real emulators and real pipelines run by the local function runtime: the reference
 * solution passes Lab 1 and Lab 2 (failure injection included) with a measured time-to-correct,
 * also when the round comes from the Lambda handler or through a throttling stream; and each
 * diagnosis code comes out of a pipeline (testing/pipelines: the solution with one deliberate
 * defect) or a table that really has that bug. A pipeline's wrong totals are judged once it is idle
 * (testing/judged-round.ts), and rounds that must pass get a generous deadline, so no verdict here
 * depends on how fast this machine is.
 */
import { DeleteTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { dynamoDbClient } from '@/lib/aws/clients';
import { LAB_1, LAB_2_STEP_1, LAB_2_STEP_2 } from '@/lib/domain/diagnosis';
import { parseMessage } from '@/lib/domain/message';
import { recreateStream } from '@/lib/local/team-resources';
import { DEFAULT_FAILURE_PERCENTAGES } from '@/lib/pipeline-resources';
import type { FailurePercentages } from '@/lib/store/types';
import { largestStaleGap, seededFailures } from '@/pipeline/testing/game-rounds';
import { startRefusingDynamoDb, startThrottlingKinesis } from '@/testing/aws-stand-ins';
import { kinesisFixture, pipelineTeamFixture, runtimeFixture } from '@/testing/fixtures';
import { type JudgedRound, judgedRound } from '@/testing/judged-round';
import { brokenPipeline, REFERENCE_SOLUTION, STARTING_HANDLERS } from '@/testing/pipeline-team';
import { handler as generatorLambda } from './lambda';
import { makeRound } from './messages';
import { type RoundSettings, runRound } from './round';
import { sendRecords } from './sender';

/** Rounds that must pass: an upper bound only, they end once the totals match. */
const DEADLINE_SECONDS = 60;
const NO_FAILURES: FailurePercentages = { state: 0, map: 0, reduce: 0 };

const kinesis = kinesisFixture();
const runtime = runtimeFixture();

/** A seed whose Lab 2 round has several out-of-order modifications (stale versions to overwrite with). */
function seedWithStaleMessages(messages: number): number {
  for (let seed = 1; ; seed++) if (makeRound({ seed, lab: 2, messages }).counts.modifiedOutOfOrder >= 3) return seed;
}

/**
 * A Lab 2 seed whose exact copies are all of trades sent in one version only: such a copy always
 * reaches a State that lets the same Version through (a copy of a version a newer one replaced
 * would be skipped, and would not count again).
 */
function seedWithCopiesOfUnmodifiedTrades(messages: number, from: number): number {
  for (let seed = from; ; seed++) {
    const versions = new Map<string, Set<number>>();
    const copied = new Set<string>();
    const seen = new Set<string>();
    for (const record of makeRound({ seed, lab: 2, messages, now: () => 0 }).records) {
      const message = parseMessage(record.Data);
      versions.set(message.TradeID, (versions.get(message.TradeID) ?? new Set()).add(message.Version));
      if (seen.has(record.Data)) copied.add(message.TradeID);
      seen.add(record.Data);
    }
    if (copied.size > 0 && [...copied].every((trade) => versions.get(trade)?.size === 1)) return seed;
  }
}

describe('a round against the reference solution', () => {
  const team = pipelineTeamFixture(runtime, kinesis, 'reference', { codeDirectory: REFERENCE_SOLUTION, environment: { FAILURE_INJECTION_SEED: '7' } });

  it('passes Lab 1 and records time-to-correct from the start of sending', async () => {
    const outcome = await runRound(team().target, { seed: 11, lab: 1, messages: 2000, deadlineSeconds: DEADLINE_SECONDS });
    expect(outcome).toMatchObject({ status: 'passed', diagnosis: null });
    expect(outcome.verdict?.keys.every((key) => key.matches)).toBe(true);
    const sentAfterMs = Date.parse(outcome.sentAt ?? '') - Date.parse(outcome.sendStartedAt ?? '');
    expect(outcome.timeToCorrectMs).toBeGreaterThanOrEqual(sentAfterMs);
    console.log(
      `reference solution, Lab 1: ${outcome.counts.messages} records sent in ${Math.round(outcome.send?.durationMs ?? 0)} ms, correct after ${outcome.timeToCorrectMs} ms`,
    );
  });

  it('passes Lab 2 with failure injection (duplicates and stale versions skipped, retries absorbed) and writes the failure percentages', async () => {
    const outcome = await runRound(team().target, {
      seed: seedWithStaleMessages(2000),
      lab: 2,
      messages: 2000,
      deadlineSeconds: DEADLINE_SECONDS,
      failurePercentages: { ...DEFAULT_FAILURE_PERCENTAGES },
    });
    expect(outcome).toMatchObject({ status: 'passed', diagnosis: null, counts: { duplicates: 250 } });
    const item = await dynamoDbClient(team().stack.connection).send(
      new GetItemCommand({ TableName: team().stack.resources.parameterTable, Key: { parameter: { S: 'FAILURE_MAP_LAMBDA_PCT' } } }),
    );
    expect(item.Item?.value).toEqual({ N: String(DEFAULT_FAILURE_PERCENTAGES.map) });
    console.log(`reference solution, Lab 2 with failures 5/10/10 %: correct after ${outcome.timeToCorrectMs} ms`);
  });

  it('runs the same round from the Lambda handler', async () => {
    const { connection, resources } = team().target;
    const saved = { ...process.env };
    Object.assign(process.env, {
      STREAM_NAME: resources.streamName,
      AGGREGATE_TABLE_NAME: resources.aggregateTable,
      PARAMETER_TABLE_NAME: resources.parameterTable,
      LAB: '1',
      ROUND_MESSAGES: '1000',
      ROUND_DEADLINE_SECONDS: String(DEADLINE_SECONDS),
      SEED: '5',
      DYNAMODB_ENDPOINT: connection.dynamodbEndpoint,
      KINESIS_ENDPOINT: connection.kinesisEndpoint,
      AWS_REGION: connection.region,
    });
    try {
      const result = await generatorLambda();
      if (result.status === 'skipped') throw new Error(`the Lambda handler skipped its round: ${result.reason}`);
      expect(result).toMatchObject({ status: 'passed', seed: 5, lab: 1, counts: { messages: 1000 } });
      expect(result.keys).toHaveLength(18);
    } finally {
      process.env = saved;
    }
  });

  it('retries records a throttling stream rejects until each is acknowledged exactly once: the round still passes', async () => {
    const throttling = await startThrottlingKinesis(kinesis().endpoint, (partitionKey, attempt) => attempt <= 2 && partitionKey.charCodeAt(0) % 3 === 0);
    try {
      const { connection, resources } = team().target;
      const outcome = await runRound(
        { resources, connection: { ...connection, kinesisEndpoint: throttling.endpoint } },
        { seed: 21, lab: 2, messages: 2000, deadlineSeconds: DEADLINE_SECONDS },
      );
      expect(throttling.rejected()).toBeGreaterThan(500);
      expect(outcome.send?.retries).toBe(throttling.rejected());
      expect(outcome.status).toBe('passed');
    } finally {
      await throttling.close();
    }
  });

  it('voids the round, with its reason, when some records are never acknowledged', async () => {
    const throttling = await startThrottlingKinesis(kinesis().endpoint, (partitionKey) => partitionKey.startsWith('f'));
    try {
      const { connection, resources } = team().target;
      const outcome = await runRound(
        { resources, connection: { ...connection, kinesisEndpoint: throttling.endpoint } },
        { seed: 22, lab: 1, messages: 300, deadlineSeconds: DEADLINE_SECONDS, maxSendAttempts: 3 },
      );
      expect(outcome).toMatchObject({ status: 'void', diagnosis: null });
      expect(outcome.voidReason).toMatch(/\d+ of 300 records were not acknowledged by stream reference-IncomingDataStream after 3 attempts/);
      expect(outcome.sentAt).toBeUndefined();
    } finally {
      await throttling.close();
      await team().settled();
    }
  });
});

describe('sending', () => {
  it('measures the send throughput into kinesalite', async () => {
    const connection = { region: 'us-east-1', kinesisEndpoint: kinesis().endpoint };
    await recreateStream(connection, 'throughput-stream', 4);
    const round = makeRound({ seed: 3, lab: 1, messages: 10_000 });
    const report = await sendRecords(connection, 'throughput-stream', round.records);
    expect(report.records).toBe(10_000);
    expect(report.lanes).toBe(4);
    console.log(
      `sent 10,000 records in ${Math.round(report.durationMs)} ms (${Math.round(10_000 / (report.durationMs / 1000))} records/s, ${report.calls} calls, ${report.retries} retries)`,
    );
  });
});

describe('diagnosis of pipelines that really have a bug', () => {
  const team = pipelineTeamFixture(runtime, kinesis, 'diagnosed');

  /** Runs a broken pipeline (once the previous one settled) and judges a round once the pipeline is idle. */
  async function judgedWith(
    pipeline: string,
    settings: Omit<RoundSettings, 'deadlineSeconds'>,
    environment: Record<string, string> = {},
  ): Promise<JudgedRound> {
    await team().settled();
    await team().run(pipeline, environment);
    const round = await judgedRound(team(), { ...settings, deadlineSeconds: DEADLINE_SECONDS });
    expect(round.settled.passed).toBe(false);
    return round;
  }

  it('no-change: the handed-out pipeline, whose State is not wired', async () => {
    await team().run(STARTING_HANDLERS);
    // Nothing reads the stream: however long the deadline, nothing can change.
    const outcome = await runRound(team().target, { seed: 301, lab: 1, messages: 500, deadlineSeconds: 3 });
    expect(outcome).toMatchObject({ status: 'failed', diagnosis: { code: 'no-change', labStep: LAB_1 } });
  });

  it('partial, messages lost: State leaves out the last record of every batch', async () => {
    const round = await judgedWith(brokenPipeline('loses-last-record'), { seed: 302, lab: 1, messages: 1000 });
    expect(round.diagnosis).toMatchObject({ code: 'partial', labStep: LAB_1, message: expect.stringMatching(/had stopped changing: messages were lost/) });
  });

  it('double-applied, a retried batch: the handed-out Reduce (no ClientRequestToken) failing after its first transaction', async () => {
    // With this seed the Reduce instance's first failure draw fails: its first batch is retried.
    const failureSeed = 'fidelity-137863';
    expect(seededFailures(failureSeed, 'reduce', DEFAULT_FAILURE_PERCENTAGES.reduce, 1)).toEqual([true]);
    const round = await judgedWith(
      brokenPipeline('starting-reduce'),
      { seed: 303, lab: 2, messages: 1000, failurePercentages: { ...DEFAULT_FAILURE_PERCENTAGES } },
      { FAILURE_INJECTION_SEED: failureSeed },
    );
    expect(round.activity.reduce.invocations).toBeGreaterThan(round.activity.reduce.successes);
    expect(round.diagnosis).toMatchObject({ code: 'double-applied', labStep: LAB_2_STEP_2, message: expect.stringMatching(/a batch was counted twice/) });
  });

  it('double-applied, exact copies counted again: State and Map take a message of the Version they hold for a new one', async () => {
    const round = await judgedWith(brokenPipeline('counts-exact-copies'), {
      seed: seedWithCopiesOfUnmodifiedTrades(1000, 304),
      lab: 2,
      messages: 1000,
      failurePercentages: NO_FAILURES,
    });
    expect(round.diagnosis).toMatchObject({
      code: 'double-applied',
      labStep: LAB_2_STEP_1,
      message: expect.stringMatching(/every exact copy was counted again/),
    });
  });

  it('stale-versions: the handed-out State, which lets an older version overwrite a newer one', async () => {
    // A stale message sent 1,000 records after the newer version of its trade: State writes it later, whatever the shards' interleaving.
    const seed = 7;
    expect(largestStaleGap(makeRound({ seed, lab: 2, messages: 2000, now: () => 0 }).records)).toBeGreaterThanOrEqual(1000);
    const round = await judgedWith(brokenPipeline('starting-state'), { seed, lab: 2, messages: 2000, failurePercentages: NO_FAILURES });
    expect(round.diagnosis).toMatchObject({ code: 'stale-versions', labStep: LAB_2_STEP_1 });
  });

  it('unknown: Reduce adds only the leaf totals, so parents do not add up', async () => {
    const round = await judgedWith(brokenPipeline('leaf-totals-only'), { seed: 306, lab: 1, messages: 500 });
    expect(round.diagnosis).toMatchObject({ code: 'unknown', message: expect.stringMatching(/Your totals don't add up/) });
  });

  it('access-denied: credentials that may not read the AggregateTable (a stand-in for IAM: no emulator checks permissions)', async () => {
    const { connection, resources } = team().target;
    const refusing = await startRefusingDynamoDb(connection.dynamodbEndpoint ?? '', resources.aggregateTable);
    try {
      const outcome = await runRound(
        { resources, connection: { ...connection, dynamodbEndpoint: refusing.endpoint } },
        { seed: 307, lab: 1, messages: 100, deadlineSeconds: DEADLINE_SECONDS },
      );
      expect(outcome).toMatchObject({ status: 'failed', diagnosis: { code: 'access-denied', labStep: LAB_1 } });
      expect(outcome.sendStartedAt).toBeUndefined();
    } finally {
      await refusing.close();
    }
  });

  it('missing-table: the AggregateTable was deleted', async () => {
    const { connection, resources } = team().target;
    await dynamoDbClient(connection).send(new DeleteTableCommand({ TableName: resources.aggregateTable }));
    const outcome = await runRound(team().target, { seed: 308, lab: 1, messages: 100, deadlineSeconds: DEADLINE_SECONDS });
    expect(outcome).toMatchObject({ status: 'failed', diagnosis: { code: 'missing-table', labStep: LAB_1 } });
    expect(outcome.diagnosis?.message).toMatch(/AggregateTable not found/);
  });
});

describe('diagnosis of a pipeline too slow for the deadline', () => {
  const team = pipelineTeamFixture(runtime, kinesis, 'slow', { codeDirectory: brokenPipeline('slow') });

  it('partial, messages late: short and still changing at the deadline', async () => {
    // 1,000 records at 10 per second per shard take 25 s: at the 16 s deadline the totals are short and still moving.
    const outcome = await runRound(team().target, { seed: 401, lab: 1, messages: 1000, deadlineSeconds: 16 });
    expect(outcome).toMatchObject({
      status: 'failed',
      diagnosis: { code: 'partial', message: expect.stringMatching(/was still changing at the deadline: messages arrived late/) },
    });
  });
});
