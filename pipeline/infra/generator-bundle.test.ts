/**
 * The GeneratorLambda's bundle as deployed (CommonJS `index.js`, its own AWS SDK) runs a round when
 * Lambda calls `handler()`: here in a plain Node process against emulators standing in for the team's
 * account, whose pipeline is not connected, so the round fails with "no change".
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dynamoDbClient } from '@/lib/aws/clients';
import { type Emulator, startKinesisEmulator } from '@/lib/local/emulators';
import { freePort } from '@/lib/local/ports';
import { type LocalTeamStack, startLocalTeam } from '@/lib/local/team-stack';
import { bundleForLambda } from './bundle';
import { GENERATOR_ENTRY } from './generator-function';

let kinesis: Emulator;
let team: LocalTeamStack;
let directory: string;

beforeAll(async () => {
  kinesis = await startKinesisEmulator('kinesis-generator-bundle-test', { port: await freePort() });
  team = await startLocalTeam({ slug: 'generator-bundle', port: await freePort(), kinesisEndpoint: kinesis.endpoint, shardCount: 2 });
  directory = mkdtempSync(path.join(os.tmpdir(), 'generator-lambda-'));
  writeFileSync(path.join(directory, 'index.js'), bundleForLambda(GENERATOR_ENTRY, 'bundled'));
});

afterAll(async () => {
  await team?.stop();
  await kinesis?.process.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

it('runs a round from its environment and returns the verdict', async () => {
  const call = "require('./index.js').handler().then((verdict) => process.stdout.write('VERDICT ' + JSON.stringify(verdict) + '\\n'))";
  const environment: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    AWS_REGION: team.connection.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    DYNAMODB_ENDPOINT: team.connection.dynamodbEndpoint,
    KINESIS_ENDPOINT: team.connection.kinesisEndpoint,
    STREAM_NAME: team.resources.streamName,
    AGGREGATE_TABLE_NAME: team.resources.aggregateTable,
    PARAMETER_TABLE_NAME: team.resources.parameterTable,
    LAB: '2',
    ROUND_MESSAGES: '80',
    ROUND_DEADLINE_SECONDS: '1',
    SEED: '5',
  };
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', call], { cwd: directory, env: environment as NodeJS.ProcessEnv });
  const verdict = JSON.parse(
    stdout
      .split('\n')
      .find((line) => line.startsWith('VERDICT '))!
      .slice('VERDICT '.length),
  );
  expect(verdict).toMatchObject({ status: 'failed', seed: 5, lab: 2, counts: { messages: 80, duplicates: 10 }, diagnosis: { code: 'no-change' } });
  const reducePercentage = await dynamoDbClient(team.connection).send(
    new GetItemCommand({ TableName: team.resources.parameterTable, Key: { parameter: { S: 'FAILURE_REDUCE_LAMBDA_PCT' } } }),
  );
  expect(reducePercentage.Item?.value).toEqual({ N: '10' });
});
