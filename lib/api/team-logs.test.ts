/**
 * A local team's function logs on its page, over HTTP: the real web app follows a real local function
 * runtime (the reference solution running for a team with its own DynamoDB Local and stream), answers
 * 304 to a viewer that has the latest lines, 404 for AWS and unknown teams, and says so in words when
 * the runtime stops answering, keeping the lines it had.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createRuntimeServer } from '@/lib/runtime/process/http-server';
import type { TeamLogsView } from '@/lib/scoreboard/logs';
import { newAwsTeam } from '@/lib/store/team-records';
import { eventually } from '@/testing/eventually';
import { dynamoDbFixture, fixture, kinesisFixture, pipelineTeamFixture, runtimeFixture } from '@/testing/fixtures';
import { organiserStoreFixture, readyLocalTeam } from '@/testing/organiser-store';
import { REFERENCE_SOLUTION } from '@/testing/pipeline-team';
import { jsonOf, webAppFixture } from '@/testing/web-app';

const kinesis = kinesisFixture();
const runtime = runtimeFixture();
const team = pipelineTeamFixture(runtime, kinesis, 'logs-team', { codeDirectory: REFERENCE_SOLUTION });
const runtimeHttp = fixture(
  'the runtime’s HTTP endpoint',
  () =>
    new Promise<http.Server>((resolve) => {
      const server = createRuntimeServer(runtime).listen(0, '127.0.0.1', () => resolve(server));
    }),
  (server) => new Promise((resolve) => server.close(resolve)),
);
const db = dynamoDbFixture();
const store = organiserStoreFixture(db, async (organiser) => {
  await organiser.createTeam(readyLocalTeam(team().stack));
  await organiser.createTeam(newAwsTeam({ slug: 'acme', name: 'Acme', region: 'eu-west-1', roleArn: 'arn:aws:iam::123456789012:role/WorkshopScoreboard' }));
});
const web = webAppFixture(db, store, () => ({ env: { RUNTIME_URL: `http://127.0.0.1:${(runtimeHttp().address() as AddressInfo).port}` } }));

const logsOf = async (slug: string) => jsonOf<TeamLogsView>(await web().send('GET', `/api/teams/${slug}/logs`));

describe('GET /api/teams/{slug}/logs', () => {
  it('shows the latest lines of each of a local team’s functions, as the runtime logged them', async () => {
    const logs = await eventually(
      'the triggers’ lines in the logs',
      () => logsOf('logs-team'),
      (view) => view.available && Object.values(view.functions).every((lines) => lines.some((line) => /^trigger from .* added/.test(line.message))),
    );
    expect(logs.message).toBeNull();
    expect(logs.functions.state.find((line) => line.message.startsWith('trigger from'))).toMatchObject({
      team: 'logs-team',
      function: 'state',
      kind: 'system',
      level: 'info',
      message: 'trigger from IncomingDataStream added (batch size 100, starting at LATEST)',
    });
  });

  it('answers 304 to a viewer that already has the latest lines', async () => {
    const first = await web().send('GET', '/api/teams/logs-team/logs');
    const again = await web().send('GET', '/api/teams/logs-team/logs', { headers: { 'if-none-match': first.headers.etag! } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });

  it('is 404 for an AWS team (its logs are in CloudWatch) and for an unknown team', async () => {
    const aws = await web().send('GET', '/api/teams/acme/logs');
    expect([aws.status, jsonOf(aws).error]).toEqual([404, 'team "acme" runs on AWS: its logs are in CloudWatch, not here']);
    const unknown = await web().send('GET', '/api/teams/nobody/logs');
    expect([unknown.status, jsonOf(unknown).error]).toEqual([404, 'no team with slug "nobody"']);
  });

  it('says in words when the runtime stops answering, keeping the lines it had', async () => {
    const before = await logsOf('logs-team');
    await new Promise((resolve) => runtimeHttp().close(resolve));
    runtimeHttp().closeAllConnections();
    const after = await eventually(
      'the logs to say the runtime is not answering',
      () => logsOf('logs-team'),
      (view) => !view.available,
    );
    expect(after.message).toMatch(/^The local function runtime is not answering \(/);
    expect(after.functions).toEqual(before.functions);
  });
});
