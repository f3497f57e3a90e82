/**
 * Rounds whose failure is on the organiser's side (docs/game.md, "Void rounds"), against real
 * emulators and stand-ins: a team whose endpoints accept connections and never answer has every
 * round end void (each AWS call has a deadline) while another team's rounds keep their schedule; a
 * role the organiser cannot assume (STS refuses it, the ARN is malformed) voids the round with a
 * reason naming the role and the external id check, no diagnosis; once the role is assumed, a
 * missing table in the team's account is still the team's failure; a scheduler process whose tick
 * hangs longer than its lease (its organiser store never answers) exits for its supervisor to
 * restart it. A team whose Kinesis never answers has its round end void at the burst's deadline.
 */
import path from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Connection, dynamoDbClient } from '@/lib/aws/clients';
import { LOCAL_REGION } from '@/lib/local/emulators';
import { startNodeModule } from '@/lib/local/processes';
import { DEFAULT_RESOURCES } from '@/lib/pipeline-resources';
import type { Round } from '@/lib/store/types';
import { startSts, startUnansweringEndpoint } from '@/testing/aws-stand-ins';
import { startTeam } from '@/testing/emulators';
import { eventually } from '@/testing/eventually';
import { dynamoDbFixture, fixture, kinesisFixture, quietTeamFixture } from '@/testing/fixtures';
import { freshOrganiserStore, readyLocalTeam } from '@/testing/organiser-store';
import { runRound } from './round';
import { Scheduler } from './scheduler';
import { sendDeadlineMs } from './sender';

const kinesis = kinesisFixture();
const organiserDb = dynamoDbFixture();
/** Tables and a stream that no pipeline reads: each round fails at its deadline (no change). */
const quiet = quietTeamFixture(kinesis);
const unanswering = fixture('an endpoint that never answers', startUnansweringEndpoint, (endpoint) => endpoint.close());

const ALLOWED_ROLE = 'arn:aws:iam::111111111111:role/workshop-scoreboard';
const EXTERNAL_ID = 'right-external-id';
const sts = fixture(
  'the STS stand-in',
  () => startSts({ allows: (roleArn, externalId) => roleArn === ALLOWED_ROLE && externalId === EXTERNAL_ID }),
  (stand) => stand.close(),
);

describe('a team whose endpoints never answer', () => {
  it('has each round end void at the call deadline while the other team keeps its schedule', async () => {
    const store = await freshOrganiserStore(organiserDb(), 'hung', { roundIntervalSeconds: 12, roundMessages: 200, roundDeadlineSeconds: 2 });
    const hung: Connection = { region: LOCAL_REGION, dynamodbEndpoint: unanswering().endpoint, kinesisEndpoint: unanswering().endpoint };
    await store.createTeam(readyLocalTeam(quiet(), { slug: 'other' }));
    await store.createTeam(readyLocalTeam({ slug: 'hung', connection: hung, resources: DEFAULT_RESOURCES }));
    const scheduler = new Scheduler({ store, tickMs: 200, firstRoundDelayMs: 500, log: () => undefined });
    scheduler.start();
    try {
      const closed = async (team: string): Promise<Round[]> => (await store.listRounds(team, { after: 0 })).filter((round) => round.status !== 'running');
      const hungRounds = await eventually(
        'two rounds of the hung team to close',
        () => closed('hung'),
        (rounds) => rounds.length >= 2,
        { timeoutMs: 120_000 },
      );
      for (const round of hungRounds.slice(0, 2)) {
        expect(round.status).toBe('void');
        expect(round.voidReason).toMatch(/ParameterTable did not answer in time/);
        expect(round.points).toBe(0);
      }
      const otherRounds = await eventually(
        'the same rounds of the other team to close',
        () => closed('other'),
        (rounds) => rounds.length >= 2,
      );
      // The other team had each of those rounds (one round number for all teams), judged on its own table.
      expect(otherRounds.slice(0, 2).map((round) => round.number)).toEqual(hungRounds.slice(0, 2).map((round) => round.number));
      expect(otherRounds.slice(0, 2).map((round) => round.diagnosis?.code)).toEqual(['no-change', 'no-change']);
      expect(unanswering().connections()).toBeGreaterThan(0);
    } finally {
      await scheduler.stop();
    }
  });
});

describe('a team whose Kinesis never answers', () => {
  it("has its round end void at the burst's deadline, not after every attempt of a batch timed out", async () => {
    const target = { connection: { ...quiet().connection, kinesisEndpoint: unanswering().endpoint }, resources: quiet().resources };
    const outcome = await runRound(target, { seed: 4, lab: 1, messages: 50, deadlineSeconds: 2 });
    expect(outcome.status).toBe('void');
    // At 10 s a call and 10 attempts a record, the attempts alone would have taken 100 s.
    expect(outcome.voidReason).toBe(
      `50 of 50 records were not acknowledged by stream ${quiet().resources.streamName} within the burst's deadline of ${sendDeadlineMs(2, 50) / 1000} s`,
    );
    expect(outcome.diagnosis).toBeNull();
  });
});

describe('a team reached through a role', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    // The SDK's standard variables: STS is the stand-in, and these are the organiser's own credentials.
    process.env.AWS_ENDPOINT_URL_STS = sts().endpoint;
    process.env.AWS_ACCESS_KEY_ID = 'organiser';
    process.env.AWS_SECRET_ACCESS_KEY = 'organiser-secret';
  });
  afterAll(() => {
    process.env = saved;
  });

  const teamBehind = (roleArn: string, externalId: string): Connection => ({ ...quiet().connection, roleArn, externalId });

  it.each([
    ['a wrong external id', ALLOWED_ROLE, 'wrong-external-id', /AccessDenied|not authorized/],
    ['a role the organiser may not assume', 'arn:aws:iam::222222222222:role/other', EXTERNAL_ID, /not authorized/],
    ['a malformed role ARN', 'arn:aws:iam::role/typo', EXTERNAL_ID, /invalid/],
  ])('voids the round with %s: a reason naming the role and the external id check, no diagnosis', async (_, roleArn, externalId, detail) => {
    const outcome = await runRound(
      { connection: teamBehind(roleArn, externalId), resources: quiet().resources },
      { seed: 1, lab: 1, messages: 50, deadlineSeconds: 2 },
    );
    expect(outcome.status).toBe('void');
    expect(outcome.diagnosis).toBeNull();
    expect(outcome.voidReason).toContain(`could not assume role ${roleArn}`);
    expect(outcome.voidReason).toContain('external id');
    expect(outcome.voidReason).toMatch(detail);
    expect(sts().asked()).toContainEqual({ roleArn, externalId });
  });

  it('reaches the tables through the assumed role, and a missing table there is still the team’s failure', async () => {
    const stack = await startTeam('behind-role', kinesis().endpoint, 1);
    try {
      const target = { connection: { ...stack.connection, roleArn: ALLOWED_ROLE, externalId: EXTERNAL_ID }, resources: stack.resources };
      const quietRound = await runRound(target, { seed: 2, lab: 1, messages: 50, deadlineSeconds: 2 });
      expect(quietRound.status).toBe('failed');
      expect(quietRound.diagnosis?.code).toBe('no-change');
      await dynamoDbClient(stack.connection).send(new DeleteTableCommand({ TableName: stack.resources.aggregateTable }));
      const missing = await runRound(target, { seed: 3, lab: 1, messages: 50, deadlineSeconds: 2 });
      expect(missing.status).toBe('failed');
      expect(missing.diagnosis?.code).toBe('missing-table');
    } finally {
      await stack.stop();
    }
  });
});

describe('the scheduler process', () => {
  it('exits with code 3 when a tick runs longer than its lease (the organiser store never answers)', async () => {
    const lines: string[] = [];
    const child = startNodeModule('hung-scheduler', path.resolve(import.meta.dirname, 'scheduler-main.ts'), [], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env: {
        ...process.env,
        ORGANISER_STORE_ENDPOINT: unanswering().endpoint,
        ORGANISER_TABLE: 'Hung',
        SCHEDULER_LEASE_TTL_MS: '2000',
        AGENT_STREAM_PORT: '0',
      },
      onLine: (line) => lines.push(line),
    });
    try {
      const exit = await child.exited;
      expect(exit.code).toBe(3);
      expect(lines.join('\n')).toMatch(/watchdog: a tick has run for \d+ s, longer than the 2 s lease: exiting to be restarted/);
    } finally {
      await child.stop();
    }
  });
});
