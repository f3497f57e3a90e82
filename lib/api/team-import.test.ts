/**
 * Bulk import of AWS teams from `cdk deploy --outputs-file` JSON, over HTTP against the real web app
 * and a real organiser store: a 50-stack event file with hostile and malformed stacks among them
 * (each skipped with its own reason, the rest created), the preview that creates nothing, a second
 * import that duplicates nothing, several files at once (one per account), and bodies that are no
 * outputs file at all. The planning itself is pure and tested from plain values too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdminTeam } from '@/lib/scoreboard/views/types';
import { NO_AWS_ENDPOINTS, stackOutputs } from '@/testing/cdk-outputs';
import { dynamoDbFixture } from '@/testing/fixtures';
import { organiserStoreFixture } from '@/testing/organiser-store';
import { jsonOf, type Reply, webAppFixture } from '@/testing/web-app';
import { newAwsTeam, newLocalTeam } from '../store/team-records';
import { type ImportResult, planImport } from './team-import';

const SECRET = 'team-import-test-secret';
const db = dynamoDbFixture();
const store = organiserStoreFixture(db);
const web = webAppFixture(db, store, { secret: SECRET, env: NO_AWS_ENDPOINTS });

const organiser = (pathname: string, body: unknown) => web().send('POST', pathname, { body, headers: { authorization: `Bearer ${SECRET}` } });
const errorOf = (reply: Reply) => [reply.status, jsonOf(reply).error];

const TEAM_ACCOUNT = '210987654321';
/** 44 well-formed prefixed stacks in one team account, as `cdk deploy --all --outputs-file` writes them. */
const prefixed = Object.assign(
  {},
  ...Array.from({ length: 44 }, (_, index) => stackOutputs({ prefix: `team${String(index + 1).padStart(2, '0')}`, account: TEAM_ACCOUNT })),
) as Record<string, Record<string, string>>;
const good = (prefix: string) => Object.values(stackOutputs({ prefix, account: TEAM_ACCOUNT }))[0] as Record<string, string>;

/** Six stacks an import must skip, each for its own reason. */
const hostile: Record<string, unknown> = {
  'evil-AggregationPipeline-starting': { ...good('evil'), ScoreboardRoleArn: 'arn:aws:iam::210987654321:user/<script>alert(1)</script>' },
  'nofields-AggregationPipeline-starting': { Region: 'eu-west-1' },
  'Import-AggregationPipeline-starting': good('Import'),
  'import-AggregationPipeline-solution': good('import'),
  CDKToolkit: { BucketName: 'cdk-hnb659fds-assets' },
  [`${'x'.repeat(300)}-AggregationPipeline-starting`]: good('x'),
  'array-AggregationPipeline-starting': ['not', 'outputs'],
};

describe('POST /api/admin/teams/import', () => {
  beforeAll(async () => {
    // Already registered before the import: one by the same slug, one by the same role and stream under another slug.
    await store().createTeam(newLocalTeam('team01', 'Team one (local)', 'handlers', 'us-east-1'));
    const team02 = good('team02');
    await store().createTeam(
      newAwsTeam({
        slug: 'renamed-02',
        name: 'Renamed',
        region: 'eu-west-1',
        roleArn: team02.ScoreboardRoleArn!,
        resources: { streamName: team02.StreamName },
      }),
    );
  });

  it('previews a 50-stack file with hostile entries without creating anything', async () => {
    const body = { ...prefixed, ...hostile };
    expect(Object.keys(body)).toHaveLength(51);
    const reply = await organiser('/api/admin/teams/import?preview=1', body);
    expect(reply.status).toBe(200);
    const preview = jsonOf<ImportResult>(reply);
    expect(preview.created).toHaveLength(42);
    expect(preview.preview?.teams[0]).toEqual({
      stack: 'team03-AggregationPipeline-starting',
      slug: 'team03',
      name: 'team03',
      region: 'eu-west-1',
      roleArn: `arn:aws:iam::${TEAM_ACCOUNT}:role/team03-AggregationScoreboard`,
      streamName: 'team03-IncomingDataStream',
    });
    expect(preview.skipped).toHaveLength(9);
    expect((await store().listTeams()).map((team) => team.slug).sort()).toEqual(['renamed-02', 'team01']);
  });

  it('creates one aws team per good stack and skips each bad or registered one with a specific reason', async () => {
    const reply = await organiser('/api/admin/teams/import', { ...prefixed, ...hostile });
    expect(reply.status).toBe(201);
    const result = jsonOf<ImportResult>(reply);
    expect(result.preview).toBeUndefined();
    expect(result.created).toEqual(Array.from({ length: 42 }, (_, index) => `team${String(index + 3).padStart(2, '0')}`));
    const reasons = Object.fromEntries(result.skipped.map(({ stack, reason }) => [stack, reason]));
    expect(reasons).toEqual({
      'team01-AggregationPipeline-starting': 'a team with slug "team01" is already registered',
      'team02-AggregationPipeline-starting': 'already registered as team "renamed-02" (same role and stream)',
      'evil-AggregationPipeline-starting': expect.stringMatching(/^ScoreboardRoleArn: roleArn must be an IAM role ARN/),
      'nofields-AggregationPipeline-starting': expect.stringMatching(
        /^missing outputs ScoreboardRoleArn, ExternalId, StreamName, StateTableName, ReduceTableName, AggregateTableName, ParameterTableName /,
      ),
      'Import-AggregationPipeline-starting': expect.stringMatching(/^prefix "Import" cannot be a team's slug: slug must be 2–32 lower-case/),
      'import-AggregationPipeline-solution': expect.stringMatching(/^prefix "import" cannot be a team's slug: slug must not be "import"/),
      CDKToolkit: expect.stringMatching(/^not a pipeline stack of this workshop/),
      [`${'x'.repeat(127)}…`]: expect.stringMatching(/^not a CloudFormation stack name/),
      'array-AggregationPipeline-starting': 'its outputs must be an object of output names and values',
    });

    const team07 = await store().getTeam('team07');
    expect(team07).toMatchObject({
      kind: 'aws',
      name: 'team07',
      active: true,
      connection: { region: 'eu-west-1', roleArn: `arn:aws:iam::${TEAM_ACCOUNT}:role/team07-AggregationScoreboard`, externalId: 'event-external-id' },
      resources: {
        streamName: 'team07-IncomingDataStream',
        stateTable: 'team07-StateTable',
        reduceTable: 'team07-ReduceTable',
        aggregateTable: 'team07-AggregateTable',
        parameterTable: 'team07-ParameterTable',
      },
    });
    expect(await store().getTeam('team01')).toMatchObject({ kind: 'local', name: 'Team one (local)' });
    const listed = jsonOf<{ teams: AdminTeam[] }>(await web().send('GET', '/api/admin/teams', { headers: { authorization: `Bearer ${SECRET}` } }));
    expect(listed.teams).toHaveLength(44);
  });

  it('duplicates nothing when the same file comes again', async () => {
    const result = jsonOf<ImportResult>(await organiser('/api/admin/teams/import', prefixed));
    expect(result.created).toEqual([]);
    expect(result.skipped).toHaveLength(44);
    expect(result.skipped.find((skip) => skip.stack === 'team10-AggregationPipeline-starting')?.reason).toBe(
      `already registered as team "team10" (same role and stream)`,
    );
    expect(await store().listTeams()).toHaveLength(44);
  });

  it('takes several files at once (one per account, unprefixed stacks of the same name), naming each skipped stack by its file', async () => {
    const accounts = ['111111111111', '222222222222', '111111111111'];
    const reply = await organiser(
      '/api/admin/teams/import',
      accounts.map((account) => stackOutputs({ prefix: '', account })),
    );
    expect(reply.status).toBe(201);
    expect(jsonOf<ImportResult>(reply)).toEqual({
      created: ['account-111111111111', 'account-222222222222'],
      skipped: [
        {
          stack: 'AggregationPipeline-starting',
          file: 2,
          reason: 'the same role and stream as stack AggregationPipeline-starting of file 0 in this upload',
        },
      ],
    });
    expect(await store().getTeam('account-222222222222')).toMatchObject({
      name: 'Account 222222222222',
      resources: { streamName: 'IncomingDataStream', aggregateTable: 'AggregateTable' },
    });
  });

  it('answers 400 naming what is wrong for a body that is no outputs file, and 400 for a bad preview flag', async () => {
    const notOutputs = /^body: must be the JSON that `cdk deploy --outputs-file` writes/;
    expect(errorOf(await organiser('/api/admin/teams/import', 'text'))).toEqual([400, expect.stringMatching(notOutputs)]);
    expect(errorOf(await organiser('/api/admin/teams/import', [1, 2]))).toEqual([400, expect.stringMatching(notOutputs)]);
    expect(errorOf(await organiser('/api/admin/teams/import', {}))).toEqual([400, expect.stringMatching(/^body: holds no stacks/)]);
    const tooMany = Object.fromEntries(Array.from({ length: 501 }, (_, index) => [`s${index}`, {}]));
    expect(errorOf(await organiser('/api/admin/teams/import', tooMany))).toEqual([400, 'body: holds 501 stacks; import at most 500 at once']);
    expect(errorOf(await organiser('/api/admin/teams/import?preview=yes', prefixed))).toEqual([400, expect.stringMatching(/^preview: must be 1/)]);
    const raw = await web().send('POST', '/api/admin/teams/import', {
      body: Buffer.from('{"a":'),
      headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
    });
    expect(errorOf(raw)).toEqual([400, 'body: must be JSON (Content-Type: application/json)']);
  });

  it('takes a file of 500 stacks, and refuses a body over its 1 MB cap with 413', async () => {
    const big = Object.assign({}, ...Array.from({ length: 500 }, (_, index) => stackOutputs({ prefix: `big${index}`, account: '333333333333' })));
    const size = Buffer.byteLength(JSON.stringify(big));
    expect(size).toBeGreaterThan(16 * 1024);
    expect(size).toBeLessThan(1024 * 1024);
    const preview = await organiser('/api/admin/teams/import?preview=1', big);
    expect([preview.status, jsonOf<ImportResult>(preview).created.length]).toEqual([200, 500]);
    const padded = { ...prefixed, padding: 'x'.repeat(1024 * 1024) };
    expect((await organiser('/api/admin/teams/import', padded)).status).toBe(413);
  });
});

describe('planImport', () => {
  it('keeps the first of two stacks that would get the same slug in one file', () => {
    const plan = planImport(
      { ...stackOutputs({ prefix: 'team01', account: '111111111111' }), ...stackOutputs({ prefix: 'team01', account: '222222222222', variant: 'solution' }) },
      [],
    );
    expect(plan.teams.map(({ team }) => team.slug)).toEqual(['team01']);
    expect(plan.skipped).toEqual([
      {
        stack: 'team01-AggregationPipeline-solution',
        reason: 'the slug "team01" is also that of stack team01-AggregationPipeline-starting in this upload',
      },
    ]);
  });

  it('says which outputs are malformed, output by output', () => {
    const outputs = { ...Object.values(stackOutputs({ prefix: 'p1', account: '111111111111' }))[0], Region: 'Mars', ExternalId: 7 };
    expect(planImport({ 'p1-AggregationPipeline-starting': outputs }, []).skipped).toEqual([
      { stack: 'p1-AggregationPipeline-starting', reason: 'Region: region must be an AWS region such as eu-west-1; ExternalId: must be a string' },
    ]);
  });
});
