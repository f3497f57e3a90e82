/**
 * The participant's agent against a stand-in of the organiser's protocol (testing/organiser-stand-in.ts)
 * and a real team stack (kinesalite, the team's DynamoDB Local, the reference solution in the local
 * runtime with its HTTP logs endpoint): a round's burst goes into the stream once and the uploaded
 * table reaches the expected change; a journaled round is never sent again; a dropped start is retried
 * with the same startId; the agent reconnects after the organiser went away; a refused token stops it;
 * `stop()` ends its run promptly in every wait (a held long poll, a burst, a throttled organiser, an
 * answer whose body never ends, a runtime that does not answer).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeRound } from '@/generator/messages';
import { dynamoDbClient } from '@/lib/aws/clients';
import { judgeChange, type TableValues } from '@/lib/domain/verdict';
import { TokenRefusedError } from '@/lib/errors';
import { FAILURE_PARAMETERS } from '@/lib/pipeline-resources';
import { createRuntimeServer } from '@/lib/runtime/process/http-server';
import { startUnansweringEndpoint } from '@/testing/aws-stand-ins';
import { eventually } from '@/testing/eventually';
import { kinesisFixture, pipelineTeamFixture, runtimeFixture } from '@/testing/fixtures';
import { OrganiserStandIn } from '@/testing/organiser-stand-in';
import { REFERENCE_SOLUTION } from '@/testing/pipeline-team';
import { runAgent } from '@/testing/running-agent';
import { Agent, joinOrganiser } from './agent';
import { RoundJournal } from './journal';
import { OrganiserClient } from './organiser-client';

const TOKEN = `wsj_${'a'.repeat(43)}`;
const TEAM = { slug: 'blue-whales', name: 'Blue Whales' };

const kinesis = kinesisFixture();
const runtime = runtimeFixture();
const team = pipelineTeamFixture(runtime, kinesis, TEAM.slug, { codeDirectory: REFERENCE_SOLUTION, shardCount: 2 });
let runtimeServer: http.Server;
let runtimeUrl = '';
beforeAll(async () => {
  runtimeServer = createRuntimeServer(runtime);
  await new Promise<void>((resolve) => runtimeServer.listen(0, '127.0.0.1', resolve));
  runtimeUrl = `http://127.0.0.1:${(runtimeServer.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => runtimeServer.close(resolve)));

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function standIn(): Promise<OrganiserStandIn> {
  const organiser = await OrganiserStandIn.start(TOKEN, TEAM);
  cleanups.push(() => organiser.stop());
  return organiser;
}

/** An uploaded table's values (keys the agent did not read are absent) as the judge reads them. */
function tableValuesOf(values: Partial<Record<string, string>>): TableValues {
  return new Map(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function journalDirectory(): string {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'agent-journal-'));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** Starts an agent as `npm start -- --join` does; returns it and its run's outcome. */
async function startAgent(organiser: OrganiserStandIn, directory = journalDirectory(), runtime = runtimeUrl) {
  const client = new OrganiserClient(organiser.url, TOKEN, { version: 'test', pipeline: 'solution', host: 'test' });
  const lines: string[] = [];
  const hello = await joinOrganiser(client, (line) => lines.push(line));
  const agent = new Agent({ client, hello, target: team().target, journalDirectory: directory, runtimeUrl: runtime, report: (line) => lines.push(line) });
  const outcome = runAgent(agent, cleanups);
  return { agent, outcome, lines };
}

/** Every record in the team's stream so far. */
describe('the agent', () => {
  it("sends a round's burst once, reports start and sent, writes the failure percentages, uploads the table until it matches, and forwards logs", async () => {
    const organiser = await standIn();
    const before = await team().recordsOnStream();
    await startAgent(organiser);
    const round = { number: 1, lab: 2 as const, seed: 4242, messages: 400, failurePercentages: { state: 5, map: 10, reduce: 10 } };
    organiser.offer(round);

    const sent = await eventually('the sent report', () => organiser.sentReports[0]);
    expect(sent.body).toMatchObject({ acknowledged: 400 });
    expect(organiser.starts).toHaveLength(1);
    const [start] = organiser.starts;
    expect(start!.body.startId).toBe(sent.body.startId);
    expect(await team().recordsOnStream()).toBe(before + 400);

    const parameter = await dynamoDbClient(team().target.connection).send(
      new GetItemCommand({ TableName: team().target.resources.parameterTable, Key: { parameter: { S: FAILURE_PARAMETERS.map } } }),
    );
    expect(parameter.Item?.value).toEqual({ N: '10' });

    const { expected } = makeRound(round);
    const baseline = tableValuesOf(start!.body.baseline);
    await eventually(
      'an uploaded table with the round’s expected change',
      () => organiser.tables.at(-1),
      (upload) => upload !== undefined && judgeChange(baseline, tableValuesOf(upload.values), expected).passed,
      { timeoutMs: 180_000 },
    );
    expect(organiser.tables.at(-1)!.values.message_count).toBeDefined();
    await eventually(
      'forwarded function logs',
      () => organiser.logs.filter((entry) => entry.team === TEAM.slug && entry.kind === 'end'),
      (ends) => ends.length > 0,
    );
    expect(await team().recordsOnStream()).toBe(before + 400);
  });

  it('never sends again a round journaled as sending: it reports the interrupted burst instead', async () => {
    const organiser = await standIn();
    const directory = journalDirectory();
    const { journal } = RoundJournal.open(directory, `${organiser.url}#${TEAM.slug}`);
    journal.record({ round: 7, startId: 'earlier-run-7', state: 'sending' });
    organiser.offer({ number: 7, lab: 1, seed: 7, messages: 300 });
    organiser.rounds.get(7)!.offer.started = { startId: 'earlier-run-7', startedAt: new Date().toISOString() };
    const before = await team().recordsOnStream();
    await startAgent(organiser, directory);

    const sent = await eventually('the sent report', () => organiser.sentReports[0]);
    expect(sent.body).toEqual({ startId: 'earlier-run-7', error: expect.stringContaining('stopped during the burst of round 7: not resent') });
    expect(organiser.starts).toEqual([]);
    expect(await team().recordsOnStream()).toBe(before);
  });

  it('does not send a started round it has no record of (journal lost, or another run started it)', async () => {
    const organiser = await standIn();
    organiser.offer({ number: 3, lab: 1, seed: 3, messages: 300 });
    organiser.rounds.get(3)!.offer.started = { startId: 'someone-else-3', startedAt: new Date().toISOString() };
    const before = await team().recordsOnStream();
    await startAgent(organiser);

    const sent = await eventually('the sent report', () => organiser.sentReports[0]);
    expect(sent.body).toEqual({ startId: 'someone-else-3', error: expect.stringContaining('no record of starting round 3') });
    expect(await team().recordsOnStream()).toBe(before);
  });

  it('retries a start whose answer the network dropped with the same startId, and sends the burst once', async () => {
    const organiser = await standIn();
    organiser.dropNext.add('POST start');
    organiser.dropNext.add('POST sent');
    const before = await team().recordsOnStream();
    await startAgent(organiser);
    organiser.offer({ number: 1, lab: 1, seed: 11, messages: 300 });

    await eventually(
      'the sent report made again after the dropped one',
      () => organiser.sentReports,
      (reports) => reports.length >= 2,
    );
    expect(organiser.rounds.get(1)?.sent).toMatchObject({ acknowledged: 300 });
    expect(organiser.starts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(organiser.starts.map((start) => start.body.startId)).size).toBe(1);
    expect(await team().recordsOnStream()).toBe(before + 300);
  });

  it('reconnects after the organiser went away and runs the next round', async () => {
    const organiser = await standIn();
    const { lines } = await startAgent(organiser);
    organiser.offer({ number: 1, lab: 1, seed: 21, messages: 200 });
    await eventually('round 1 sent', () => organiser.rounds.get(1)?.sent);
    await organiser.stop();
    await eventually('the agent to notice', () => lines.find((line) => line.startsWith('lost the organiser')));
    await organiser.restart();
    organiser.offer({ number: 2, lab: 1, seed: 22, messages: 200 });
    const sent = await eventually('round 2 sent', () => organiser.rounds.get(2)?.sent, { timeoutMs: 120_000 });
    expect(sent).toMatchObject({ acknowledged: 200 });
    expect(lines).toContain('reconnected to the organiser');
  });

  it('stops with a clear message when the organiser refuses the token, at join and later', async () => {
    const organiser = await standIn();
    const { outcome } = await startAgent(organiser);
    organiser.refuseToken = true;
    const error = await outcome;
    expect(error).toBeInstanceOf(TokenRefusedError);
    expect((error as Error).message).toContain("ask the organiser for your team's current join command");
    const client = new OrganiserClient(organiser.url, TOKEN, { version: 'test', pipeline: 'solution', host: 'test' });
    await expect(joinOrganiser(client, () => undefined)).rejects.toBeInstanceOf(TokenRefusedError);
  });
});

/** A generous bound, not a timing goal: each wait below would last 25 s to a minute, or forever, if stop() did not end it. */
const STOP_BOUND_MS = 10_000;

/** Stops the agent and says whether its run settled within STOP_BOUND_MS. */
async function settlesAfterStop({ agent, outcome }: Awaited<ReturnType<typeof startAgent>>): Promise<boolean> {
  agent.stop();
  return Promise.race([outcome.then(() => true), sleep(STOP_BOUND_MS).then(() => false)]);
}

describe("the agent's stop()", () => {
  it('ends a long poll the organiser holds for 25 s', async () => {
    const organiser = await standIn();
    organiser.agentSettings.longPollSeconds = 25;
    const started = await startAgent(organiser);
    await eventually('a held long poll', () => organiser.longPolls > 0);
    expect(await settlesAfterStop(started)).toBe(true);
  });

  it('ends a burst being sent', async () => {
    const organiser = await standIn();
    const started = await startAgent(organiser);
    organiser.offer({ number: 1, lab: 1, seed: 31, messages: 30_000 });
    await eventually('the round started', () => organiser.starts.length > 0);
    expect(await settlesAfterStop(started)).toBe(true);
  });

  it('ends the wait the organiser asked for (429 with Retry-After: 60)', async () => {
    const organiser = await standIn();
    const started = await startAgent(organiser);
    organiser.retryAfterSeconds = 60;
    await eventually('the agent to be throttled', () => started.lines.find((line) => line.includes('slow down')));
    expect(await settlesAfterStop(started)).toBe(true);
  });

  it('ends reading an answer whose body never ends, and a call to a runtime that does not answer', async () => {
    const organiser = await standIn();
    const runtime = await startUnansweringEndpoint();
    cleanups.push(() => runtime.close());
    const started = await startAgent(organiser, journalDirectory(), runtime.endpoint);
    organiser.holdAnswers = true;
    await eventually('answers held and the runtime called', () => organiser.heldAnswers >= 2 && runtime.connections() > 0);
    expect(await settlesAfterStop(started)).toBe(true);
  });
});
