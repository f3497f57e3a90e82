/**
 * `npm start` in AWS mode end to end (issue 13 point 7), as a real child process against stand-ins
 * of AWS on this machine, reached through the SDK's standard variables: AWS_ENDPOINT_URL_DYNAMODB is
 * the DynamoDB Local holding one team account's tables, AWS_ENDPOINT_URL_KINESIS kinesalite behind
 * Kinesis's write limit of 1,000 records a second per shard (kinesalite has none), and
 * AWS_ENDPOINT_URL_STS a stand-in of STS (no emulator exists) that speaks its wire protocol, lets
 * the organiser assume a team's role only with the right external id, and issues credentials that
 * expire within minutes. The organiser store is another DynamoDB Local (ORGANISER_STORE_ENDPOINT).
 *
 * Two teams come in through POST /api/admin/teams/import with the files `cdk deploy --outputs-file`
 * writes, one per account: alpha, whose pipeline is the reference solution run by the real local
 * runtime against its tables and stream, and beta, registered with a mistyped external id. Alpha's
 * rounds pass, each burst arriving whole through the throttling, with role credentials the SDK had
 * to renew between rounds; beta's rounds are void with a reason naming its role and the external
 * id, shown in the console's team list, its score and diagnosis untouched. Rounds are small (2,000
 * records) and deadlines generous: what is asserted does not depend on the machine's speed. The
 * organiser's own credentials are session keys expiring within the event: the banner and the
 * console warn, saying when.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AGGREGATION_KEYS } from '@/lib/domain/hierarchy';
import { toCents } from '@/lib/domain/money';
import type { PipelineResources } from '@/lib/pipeline-resources';
import type { AdminTeam } from '@/lib/scoreboard/views/types';
import { OrganiserStore } from '@/lib/store/organiser-store';
import type { Round } from '@/lib/store/types';
import { SHARD_RECORDS_PER_SECOND, startShardLimitedKinesis, startSts } from '@/testing/aws-stand-ins';
import { stackOutputs } from '@/testing/cdk-outputs';
import { eventually } from '@/testing/eventually';
import { dynamoDbFixture, fixture, kinesisFixture, runtimeFixture } from '@/testing/fixtures';
import { TEST_ROUND_DEFAULTS } from '@/testing/organiser-store';
import { PipelineTeam, REFERENCE_SOLUTION } from '@/testing/pipeline-team';
import { freePorts } from '@/testing/ports';
import { jsonOf, sendTo } from '@/testing/web-app';
import { killWorkshops, startWorkshop, untilOutput, type Workshop } from '@/testing/workshop';
import { descendantsOf, isAlive } from './process-tree';

const SECRET = 'aws-mode-test-secret';
const ROUND_MESSAGES = 2000;
/** The SDK renews credentials with less than 5 minutes left: these are renewed 10 s after they were issued. */
const CREDENTIAL_SECONDS = 310;
const ORGANISER_TABLE = `AwsModeOrganiser-${process.pid}`;
/** The organiser's own session credentials last 2 hours, less than the event's 8 (EVENT_HOURS). */
const ORGANISER_CREDENTIALS_EXPIRE = new Date(Date.now() + 2 * 3_600_000).toISOString();

const alphaFile = stackOutputs({ prefix: 'alpha', account: '111111111111', region: 'us-east-1', externalId: 'alpha-external-id', variant: 'solution' });
const betaFile = stackOutputs({ prefix: 'beta', account: '222222222222', region: 'us-east-1', externalId: 'beta-external-id-typo' });
const [alphaStack] = Object.values(alphaFile);
const [betaStack] = Object.values(betaFile);
/** What the trust policies of the two scoreboard roles let in: the organiser, with each stack's real external id. */
const TRUSTED = new Map([
  [alphaStack!.ScoreboardRoleArn, 'alpha-external-id'],
  [betaStack!.ScoreboardRoleArn, 'beta-external-id'],
]);

/** Alpha's stream and tables, named as its deployed stack names them. */
const alphaResources: PipelineResources = {
  streamName: alphaStack!.StreamName,
  stateTable: alphaStack!.StateTableName,
  reduceTable: alphaStack!.ReduceTableName,
  aggregateTable: alphaStack!.AggregateTableName,
  parameterTable: alphaStack!.ParameterTableName,
};

const kinesis = kinesisFixture();
const organiserDb = dynamoDbFixture();
const runtime = runtimeFixture();
/** Account 111111111111: its DynamoDB (Local) with alpha's tables, alpha's one-shard stream, its pipeline the reference solution. */
const alpha = fixture(
  "team alpha's account",
  async () => {
    const team = await PipelineTeam.start(runtime, 'alpha', kinesis().endpoint, 1, alphaResources);
    await team.run(REFERENCE_SOLUTION);
    return team;
  },
  (team) => team.stop(),
);
const sts = fixture(
  'the STS stand-in',
  () => startSts({ allows: (roleArn, externalId) => TRUSTED.get(roleArn) === externalId, credentialSeconds: CREDENTIAL_SECONDS }),
  (stand) => stand.close(),
);
const limitedKinesis = fixture(
  'Kinesis at 1,000 records/s per shard',
  () => startShardLimitedKinesis(kinesis().endpoint, SHARD_RECORDS_PER_SECOND),
  (proxy) => proxy.close(),
);

interface RunningWorkshop extends Workshop {
  port: number;
  dataDirectory: string;
}

const workshop = fixture(
  'npm start in AWS mode',
  async (): Promise<RunningWorkshop> => {
    const dataDirectory = mkdtempSync(path.join(os.tmpdir(), 'workshop-aws-'));
    const [port] = await freePorts(1);
    const started = startWorkshop({
      ...process.env,
      WORKSHOP_MODE: 'aws',
      PORT: String(port),
      WORKSHOP_DATA_DIR: dataDirectory,
      ORGANISER_SECRET: SECRET,
      AWS_REGION: 'us-east-1',
      ORGANISER_STORE_ENDPOINT: organiserDb().endpoint,
      ORGANISER_TABLE,
      ROUND_INTERVAL_SECONDS: '20',
      ROUND_MESSAGES: String(ROUND_MESSAGES),
      ROUND_DEADLINE_SECONDS: '120',
      AWS_ENDPOINT_URL_STS: sts().endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: alpha().stack.dynamodb.endpoint,
      AWS_ENDPOINT_URL_KINESIS: limitedKinesis().endpoint,
      // The organiser's own credentials: session keys in the environment that expire mid-event, nothing looked for off this machine.
      AWS_ACCESS_KEY_ID: 'ASIAORGANISER',
      AWS_SECRET_ACCESS_KEY: 'organiser-secret',
      AWS_SESSION_TOKEN: 'organiser-session',
      AWS_CREDENTIAL_EXPIRATION: ORGANISER_CREDENTIALS_EXPIRE,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: path.join(dataDirectory, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dataDirectory, 'no-aws-credentials'),
    });
    await untilOutput(started, 'workshop is running', 400_000);
    return { ...started, port: port!, dataDirectory };
  },
  async (running) => {
    // The last test stops it with Ctrl-C; after a failure before that, it is stopped here.
    if (running.npm.exitCode === null && running.npm.signalCode === null) process.kill(-running.npm.pid!, 'SIGINT');
    await running.exited;
    rmSync(running.dataDirectory, { recursive: true, force: true });
  },
);
afterAll(() => killWorkshops());

const organiser = { authorization: `Bearer ${SECRET}` };
const store = () => new OrganiserStore({ region: 'us-east-1', dynamodbEndpoint: organiserDb().endpoint }, ORGANISER_TABLE, TEST_ROUND_DEFAULTS);
const closedRounds = async (team: string): Promise<Round[]> => (await store().listRounds(team, { after: 0 })).filter((round) => round.status !== 'running');

describe('npm start in AWS mode against stand-ins of AWS', () => {
  it("warns, after the banner and in the organiser console, that the organiser's credentials expire before the event could end, saying when", async () => {
    const warning = new RegExp(`the organiser's AWS credentials expire at ${ORGANISER_CREDENTIALS_EXPIRE} \\(in \\d+ (h \\d+ )?min\\), before an event of 8 h`);
    await untilOutput(workshop(), '⚠ Warning:', 60_000);
    expect(workshop().output()).toMatch(warning);
    const reply = await sendTo(workshop().port, 'GET', '/api/admin/credentials', { headers: organiser });
    expect(jsonOf<{ warning: string | null }>(reply).warning).toMatch(warning);
  });

  it('imports both teams from the cdk outputs files, one per account', async () => {
    const reply = await sendTo(workshop().port, 'POST', '/api/admin/teams/import', { body: [alphaFile, betaFile], headers: organiser });
    expect(reply.status, reply.text).toBe(201);
    expect(jsonOf(reply)).toEqual({ created: ['alpha', 'beta'], skipped: [] });
  });

  it("passes alpha's rounds, each burst whole through Kinesis's throttling, with role credentials renewed between rounds", async () => {
    const passed = await eventually(
      "two of alpha's rounds to pass",
      async () => (await closedRounds('alpha')).filter((round) => round.status === 'passed'),
      (rounds) => rounds.length >= 2,
      { timeoutMs: 480_000, intervalMs: 1000 },
    );
    expect(passed.every((round) => round.counts?.messages === ROUND_MESSAGES)).toBe(true);
    // One shard takes 1,000 records a second, so every burst of 2,000 was partly throttled and retried.
    expect(limitedKinesis().rejected()).toBeGreaterThan(0);

    // Every record put on alpha's stream was signed with credentials STS issued for alpha's role, and more than one set of them.
    const alphaKeys = new Set(
      sts()
        .issued()
        .filter((issue) => issue.roleArn === alphaStack!.ScoreboardRoleArn)
        .map((issue) => issue.accessKeyId),
    );
    const usedKeys = new Set(
      limitedKinesis()
        .putRecordsCalls()
        .map((call) => call.accessKeyId),
    );
    expect([...usedKeys].filter((key) => !alphaKeys.has(key ?? ''))).toEqual([]);
    expect(usedKeys.size).toBeGreaterThanOrEqual(2);
  });

  it("voids beta's rounds with a reason naming its role and the external id, shown on the team, its score and diagnosis untouched", async () => {
    const [voided] = await eventually(
      "a round of beta's to close",
      () => closedRounds('beta'),
      (rounds) => rounds.length >= 1,
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    expect(voided?.status).toBe('void');
    expect(voided?.voidReason).toContain(`could not assume role ${betaStack!.ScoreboardRoleArn}`);
    expect(voided?.voidReason).toContain('external id');
    expect(voided?.diagnosis ?? null).toBeNull();
    expect(voided?.points).toBe(0);
    expect(sts().asked()).toContainEqual({ roleArn: betaStack!.ScoreboardRoleArn, externalId: 'beta-external-id-typo' });

    const { teams } = jsonOf<{ teams: AdminTeam[] }>(await sendTo(workshop().port, 'GET', '/api/admin/teams', { headers: organiser }));
    const beta = teams.find((team) => team.slug === 'beta');
    expect(beta).toMatchObject({ score: 0, lab: 1, lastRound: { status: 'void' } });
    expect(beta?.lastRound?.voidReason).toContain(betaStack!.ScoreboardRoleArn);
  });

  it("leaves on alpha's stream exactly the records its rounds sent, and in its AggregateTable exactly their expected totals, to the cent", async () => {
    const paused = await sendTo(workshop().port, 'PATCH', '/api/admin/settings', { body: { paused: true }, headers: organiser });
    expect(paused.status).toBe(200);
    const rounds = await eventually(
      "alpha's rounds to be all closed",
      async () => ({ all: await store().listRounds('alpha', { after: 0 }) }),
      ({ all }) => all.every((round) => round.status !== 'running'),
      { timeoutMs: 300_000, intervalMs: 1000 },
    );
    expect(rounds.all.map((round) => round.status).filter((status) => status !== 'passed')).toEqual([]);
    expect(await alpha().recordsOnStream()).toBe(rounds.all.length * ROUND_MESSAGES);

    const table = await alpha().readTable();
    for (const key of AGGREGATION_KEYS) {
      const expected = rounds.all.reduce((sum, round) => sum + toCents(round.expected?.[key] ?? 'missing'), 0);
      expect(toCents(table.get(key) ?? '0'), key).toBe(expected);
    }
  });

  it('leaves no process behind after Ctrl-C', async () => {
    const { npm, exited } = workshop();
    const descendants = descendantsOf(npm.pid!);
    expect(descendants.length).toBeGreaterThanOrEqual(2);
    process.kill(-npm.pid!, 'SIGINT');
    await exited;
    await eventually(
      'every process of npm start to stop',
      () => descendants.filter(isAlive),
      (alive) => alive.length === 0,
    );
  });
});
