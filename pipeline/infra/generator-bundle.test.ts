/**
 * The GeneratorLambda's bundle as deployed (CommonJS `index.js`, its own AWS SDK) run the way Lambda
 * runs it, `handler(event, context)`, in a plain Node process per invocation, against emulators
 * standing in for a team's account whose pipeline is the reference solution, driven by the local
 * runtime: the account's record in its ParameterTable gains 100 points per passed round and none for
 * a failed one, the account moves to Lab 2 (special trades, failure injection) at 300 points, and a
 * run that finds a round still running does nothing.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_RECORD_PARAMETER, claimRound, recordAfter, releaseRound } from '@/generator/account-record';
import { dynamoDbClient } from '@/lib/aws/clients';
import { kinesisFixture, pipelineTeamFixture, runtimeFixture } from '@/testing/fixtures';
import { REFERENCE_SOLUTION } from '@/testing/pipeline-team';
import { bundleForLambda } from './bundle';
import { GENERATOR_ENTRY, GENERATOR_TIMEOUT_SECONDS } from './generator-function';

const kinesis = kinesisFixture();
const runtime = runtimeFixture();
const pipelineTeam = pipelineTeamFixture(runtime, kinesis, 'generator-bundle', {
  codeDirectory: REFERENCE_SOLUTION,
  environment: { FAILURE_INJECTION_SEED: '11' },
  shardCount: 2,
});
const team = () => pipelineTeam().stack;
let directory: string;

beforeAll(() => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'generator-lambda-'));
  writeFileSync(path.join(directory, 'index.js'), bundleForLambda(GENERATOR_ENTRY, 'bundled'));
});

afterAll(() => {
  if (directory) rmSync(directory, { recursive: true, force: true });
});

/** One invocation as Lambda makes it: the bundle's handler with an event and a context, in its own process. */
async function invoke(overrides: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const context = `{ getRemainingTimeInMillis: () => ${GENERATOR_TIMEOUT_SECONDS * 1000} }`;
  const call = `require('./index.js').handler({}, ${context}).then((result) => process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n'))`;
  const environment: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    AWS_REGION: team().connection.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    DYNAMODB_ENDPOINT: team().connection.dynamodbEndpoint,
    KINESIS_ENDPOINT: team().connection.kinesisEndpoint,
    STREAM_NAME: team().resources.streamName,
    AGGREGATE_TABLE_NAME: team().resources.aggregateTable,
    PARAMETER_TABLE_NAME: team().resources.parameterTable,
    ROUND_MESSAGES: '200',
    // As generous as the function's time allows: a passing round ends as soon as its match is confirmed.
    ROUND_DEADLINE_SECONDS: '36',
    ...overrides,
  };
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', call], { cwd: directory, env: environment as NodeJS.ProcessEnv });
  const line = stdout.split('\n').find((candidate) => candidate.startsWith('RESULT '));
  if (!line) throw new Error(`the handler printed no result:\n${stdout}`);
  return JSON.parse(line.slice('RESULT '.length));
}

function documents() {
  return DynamoDBDocumentClient.from(dynamoDbClient(team().connection));
}

async function accountRecord(): Promise<Record<string, unknown> | undefined> {
  const { Item } = await documents().send(
    new GetCommand({ TableName: team().resources.parameterTable, Key: { parameter: ACCOUNT_RECORD_PARAMETER }, ConsistentRead: true }),
  );
  return Item;
}

async function failurePercentage(parameter: string): Promise<unknown> {
  const { Item } = await dynamoDbClient(team().connection).send(
    new GetItemCommand({ TableName: team().resources.parameterTable, Key: { parameter: { S: parameter } }, ConsistentRead: true }),
  );
  return Item?.value;
}

describe('the account record', () => {
  it('adds the points of a round and moves to Lab 2 from 300 points, for good', () => {
    const start = { score: 0, lab: 1 as const, rounds: 0, passed: 0 };
    expect(recordAfter(start, 0, 't1')).toEqual({ score: 0, lab: 1, rounds: 1, passed: 0, scoreReachedAt: undefined });
    expect(recordAfter({ ...start, score: 200, rounds: 4, passed: 2 }, 100, 't2')).toEqual({ score: 300, lab: 2, rounds: 5, passed: 3, scoreReachedAt: 't2' });
    expect(recordAfter({ score: 300, lab: 2, rounds: 5, passed: 3, scoreReachedAt: 't2' }, 0, 't3')).toMatchObject({
      score: 300,
      lab: 2,
      scoreReachedAt: 't2',
    });
  });
});

describe('the bundled GeneratorLambda against an account running the reference solution', () => {
  it('keeps the score in the ParameterTable: +100 per passed round, nothing for a failed one, Lab 2 from 300 points', async () => {
    const failed = await invoke({ AGGREGATE_TABLE_NAME: 'NoSuchAggregateTable', SEED: '1' });
    expect(failed).toMatchObject({ status: 'failed', number: 1, lab: 1, points: 0, diagnosis: { code: 'missing-table' }, score: 0, nextLab: 1 });

    for (const [index, score] of [100, 200, 300].entries()) {
      const round = await invoke({ SEED: String(10 + index) });
      expect(round).toMatchObject({ status: 'passed', number: index + 2, lab: 1, points: 100, score, nextLab: score >= 300 ? 2 : 1 });
      expect(await failurePercentage('FAILURE_REDUCE_LAMBDA_PCT')).toEqual({ N: '0' });
    }

    const lab2 = await invoke({ SEED: '20' });
    expect(lab2).toMatchObject({ status: 'passed', number: 5, lab: 2, points: 100, score: 400, nextLab: 2 });
    expect((lab2.counts as { duplicates: number }).duplicates).toBe(25);
    expect(await failurePercentage('FAILURE_STATE_LAMBDA_PCT')).toEqual({ N: '5' });
    expect(await failurePercentage('FAILURE_REDUCE_LAMBDA_PCT')).toEqual({ N: '10' });

    expect(await accountRecord()).toMatchObject({
      parameter: ACCOUNT_RECORD_PARAMETER,
      value: 400,
      lab: 2,
      rounds: 5,
      passed: 4,
      scoreReachedAt: lab2.endedAt,
      lastRound: { number: 5, status: 'passed', lab: 2, points: 100, diagnosis: null },
    });
    expect(await accountRecord()).not.toHaveProperty('runningUntil');
  });

  it('does nothing while another run holds the round, and takes over a guard whose run is over', async () => {
    const before = await accountRecord();
    const now = new Date();
    const held = await claimRound(documents(), team().resources.parameterTable, 'a-run-still-going', now, new Date(now.getTime() + 60_000));
    if ('heldUntil' in held) throw new Error(`the guard was already held until ${held.heldUntil}`);

    const skipped = await invoke({ SEED: '30' });
    expect(skipped).toEqual({
      status: 'skipped',
      reason: `the previous round is still running (until ${new Date(now.getTime() + 60_000).toISOString()} at the latest): no round this time`,
    });
    expect(await accountRecord()).toEqual({ ...before, runId: 'a-run-still-going', runningUntil: now.getTime() + 60_000 });
    await releaseRound(documents(), team().resources.parameterTable, held);

    const expired = await claimRound(
      documents(),
      team().resources.parameterTable,
      'a-run-that-died',
      new Date(now.getTime() - 120_000),
      new Date(now.getTime() - 60_000),
    );
    expect(expired).toMatchObject({ runId: 'a-run-that-died' });
    const next = await invoke({ SEED: '31' });
    expect(next).toMatchObject({ status: 'passed', number: (before?.rounds as number) + 1, score: (before?.value as number) + 100 });
  });
});
