/**
 * The participant's agent against the real organiser side of docs/room.md: the web app as its own
 * process over a real organiser store, a remote team added through the organiser's API with its join
 * token, and a round offered as the scheduler offers it (testing/recorded-rounds.ts). The agent, with
 * a real team stack running the reference solution, joins, starts the round, sends its burst and
 * reports it sent; its table uploads and function logs reach the organiser store.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntimeServer } from '@/lib/runtime/process/http-server';
import { AgentRecords } from '@/lib/store/agent-records';
import { eventually } from '@/testing/eventually';
import { dynamoDbFixture, kinesisFixture, pipelineTeamFixture, runtimeFixture } from '@/testing/fixtures';
import { organiserStoreFixture } from '@/testing/organiser-store';
import { REFERENCE_SOLUTION } from '@/testing/pipeline-team';
import { offerRecordedRound } from '@/testing/recorded-rounds';
import { jsonOf, webAppFixture } from '@/testing/web-app';
import { Agent, joinOrganiser } from './agent';
import { OrganiserClient } from './organiser-client';

const SECRET = 'agent-organiser-test-secret';
const SLUG = 'blue-whales';

const db = dynamoDbFixture();
const store = organiserStoreFixture(db);
const web = webAppFixture(db, store, { secret: SECRET });
const kinesis = kinesisFixture();
const runtime = runtimeFixture();
const team = pipelineTeamFixture(runtime, kinesis, SLUG, { codeDirectory: REFERENCE_SOLUTION, shardCount: 2 });

let runtimeServer: http.Server;
let agent: Agent | undefined;
let outcome: Promise<unknown> | undefined;
const journal = mkdtempSync(path.join(os.tmpdir(), 'agent-journal-'));
beforeAll(async () => {
  runtimeServer = createRuntimeServer(runtime);
  await new Promise<void>((resolve) => runtimeServer.listen(0, '127.0.0.1', resolve));
});
// The agent's run ends promptly after stop() (agent.test.ts); a run still going after a minute fails this hook.
afterAll(async () => {
  agent?.stop();
  await outcome;
  runtimeServer.closeAllConnections();
  await new Promise((resolve) => runtimeServer.close(resolve));
  rmSync(journal, { recursive: true, force: true });
}, 60_000);

describe('the agent against the real organiser', () => {
  it('joins with its token, starts and sends an offered round once, and its table and logs reach the organiser store', async () => {
    const added = await web().send('POST', '/api/admin/teams', {
      body: { kind: 'remote', slug: SLUG, name: 'Blue Whales' },
      headers: { authorization: `Bearer ${SECRET}` },
    });
    expect(added.status, added.text).toBe(201);
    const { joinToken } = jsonOf<{ joinToken: string }>(added);

    const client = new OrganiserClient(`http://127.0.0.1:${web().port}`, joinToken, { version: 'test', pipeline: 'solution', host: 'test-host' });
    const lines: string[] = [];
    const hello = await joinOrganiser(client, (line) => lines.push(line));
    expect(hello.team).toEqual({ slug: SLUG, name: 'Blue Whales' });
    expect(hello.teamPageUrl).toMatch(new RegExp(`/teams/${SLUG}$`));
    agent = new Agent({
      client,
      hello,
      target: team().target,
      journalDirectory: journal,
      runtimeUrl: `http://127.0.0.1:${(runtimeServer.address() as AddressInfo).port}`,
      report: (line) => lines.push(line),
    });
    outcome = agent.run().catch((error: unknown) => error);

    await offerRecordedRound(store(), SLUG, 1);
    const round = await eventually('round 1 reported sent', async () => (await store().getRound(SLUG, 1))?.agentSent, { timeoutMs: 120_000 });
    expect(round, lines.join('\n')).toMatchObject({ acknowledged: 200 });
    expect(round.error ?? null).toBeNull();
    expect((await store().getTeam(SLUG))?.remote?.agent).toMatchObject({ pipeline: 'solution', host: 'test-host' });

    const records = new AgentRecords(store());
    await eventually('the uploaded table to count the round', async () => (await records.tableOf(SLUG))?.values.message_count === '200', {
      timeoutMs: 120_000,
    });
    await eventually('forwarded function logs', async () => Object.values((await records.logsOf(SLUG)) ?? {}).flat().length > 0, { timeoutMs: 60_000 });
  });
});
