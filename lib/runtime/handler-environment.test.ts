/**
 * What a handler's process can see of the organiser's machine: its environment is built from an
 * allow-list (Lambda's variables, the team's tables, what the wiring declares), never the host's, so
 * neither a variable of the machine nor the organiser's secret can end up in a team's logs; the
 * sandbox process itself carries nothing of the host's either.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_REGION } from '@/lib/local/emulators';
import { eventually } from '@/testing/eventually';
import { kinesisFixture } from '@/testing/fixtures';
import { LocalRuntime } from './runtime';
import { createTestTeam, putRecords, readReports, streamTrigger, type TestTeam } from './test-kit';

const CANARY = `canary-${process.pid}`;
const SECRET = `organiser-secret-${process.pid}`;

interface EnvironmentReport {
  environment: Record<string, string>;
  timezoneOffset: number;
}

const handler = `
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
export const handler = async (event: any, context: any) => {
  console.log(process.env);
  const report = path.join(process.env.REPORT_DIR!, context.awsRequestId + '.json');
  writeFileSync(report + '.tmp', JSON.stringify({ environment: process.env, timezoneOffset: new Date().getTimezoneOffset() }));
  renameSync(report + '.tmp', report);
};`;

const kinesis = kinesisFixture();
let runtime: LocalRuntime;
let team: TestTeam;

beforeAll(async () => {
  process.env.HOST_CANARY = CANARY;
  process.env.ORGANISER_SECRET = SECRET;
  runtime = new LocalRuntime();
  team = await createTestTeam(
    'environment',
    { region: LOCAL_REGION, kinesisEndpoint: kinesis().endpoint, dynamodbEndpoint: 'http://127.0.0.1:1' },
    1,
    { 'state.ts': handler },
    {
      functions: { state: { handler: 'state.ts', timeoutSeconds: 30, environment: { LOG_LEVEL: 'debug', NODE_OPTIONS: '--enable-source-maps' } } },
      triggers: [streamTrigger('state', { batchSize: 10 })],
    },
  );
  await runtime.upsertTeam(team.team);
});

afterAll(async () => {
  delete process.env.HOST_CANARY;
  delete process.env.ORGANISER_SECRET;
  await runtime?.stop();
  team?.remove();
});

describe("a handler's environment", () => {
  it("holds Lambda's variables, the team's and the wiring's, and nothing of the host's", async () => {
    await putRecords(team.team.connection, team.team.resources.streamName, [{ data: 'x', partitionKey: 'k' }]);
    const report = await eventually('the handler to report', () => readReports<EnvironmentReport>(team.reportDirectory)[0]);
    const environment = report?.environment ?? {};
    expect(Object.keys(environment).sort()).toEqual(
      [
        '_HANDLER',
        'AGGREGATE_TABLE_NAME',
        'AWS_ACCESS_KEY_ID',
        'AWS_DEFAULT_REGION',
        'AWS_ENDPOINT_URL',
        'AWS_ENDPOINT_URL_DYNAMODB',
        'AWS_ENDPOINT_URL_KINESIS',
        'AWS_EXECUTION_ENV',
        'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
        'AWS_LAMBDA_FUNCTION_NAME',
        'AWS_LAMBDA_FUNCTION_VERSION',
        'AWS_LAMBDA_INITIALIZATION_TYPE',
        'AWS_LAMBDA_LOG_GROUP_NAME',
        'AWS_LAMBDA_LOG_STREAM_NAME',
        'AWS_REGION',
        'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
        'AWS_SECRET_ACCESS_KEY',
        'LAMBDA_TASK_ROOT',
        'LANG',
        'LOG_LEVEL',
        'NODE_OPTIONS',
        'PARAMETER_TABLE_NAME',
        'PATH',
        'REDUCE_TABLE_NAME',
        'REPORT_DIR',
        'STATE_TABLE_NAME',
        'TZ',
      ].sort(),
    );
    expect(environment).toMatchObject({
      _HANDLER: 'state.handler',
      AWS_LAMBDA_FUNCTION_NAME: 'environment-StateLambda',
      AWS_LAMBDA_LOG_STREAM_NAME: expect.stringMatching(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/),
      LOG_LEVEL: 'debug',
      TZ: ':UTC',
      PATH: '/usr/local/bin:/usr/bin:/bin',
    });
    expect(report?.timezoneOffset).toBe(0);

    const logged = runtime.logs({ team: 'environment', function: 'state' }).map((entry) => entry.message);
    expect(logged.some((message) => message.includes('AWS_LAMBDA_FUNCTION_NAME'))).toBe(true);
    expect(logged.filter((message) => message.includes(CANARY) || message.includes(SECRET))).toEqual([]);
  });

  it("runs in a sandbox process that has nothing of the host's environment", () => {
    const pid = runtime.status().teams.environment?.sandbox.pid;
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
    expect(environ).toEqual(['TZ=:UTC']);
  });
});
