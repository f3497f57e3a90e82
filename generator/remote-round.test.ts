/**
 * Remote teams' rounds (room mode, docs/room.md) run by the real scheduler against a real organiser
 * store, with the real web app between the scheduler and the agents, which speak the protocol over
 * HTTP (testing/agent-client.ts: no pipeline, they report what a correct or a broken one would): a
 * round that reaches the agent and passes on the organiser's clock, a team never connected fails
 * `offline` at once, an agent that cannot send fails `offline` with its own words, an agent that
 * restarts mid-round resumes it, a wrong table gets the usual diagnosis, an agent gone silent after
 * sending fails `offline`, and a silent agent delays no other team.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AGGREGATION_KEYS } from '@/lib/domain/hierarchy';
import { AgentRecords } from '@/lib/store/agent-records';
import type { Round } from '@/lib/store/types';
import { AgentClient, type Offer } from '@/testing/agent-client';
import { eventually } from '@/testing/eventually';
import { dynamoDbFixture, fixture } from '@/testing/fixtures';
import { organiserStoreFixture } from '@/testing/organiser-store';
import { jsonOf, webAppFixture } from '@/testing/web-app';
import { Scheduler } from './scheduler';

const SECRET = 'remote-round-test-secret';
const ZEROS = Object.fromEntries([...AGGREGATION_KEYS, 'message_count'].map((key) => [key, '0']));

const db = dynamoDbFixture();
const store = organiserStoreFixture(db, (created) => created.updateSettings({ roundMessages: 400, roundDeadlineSeconds: 20 }));
const web = webAppFixture(db, store, { secret: SECRET });
const log: string[] = [];
const scheduler = fixture(
  'the scheduler',
  async () => {
    const running = new Scheduler({ store: store(), tickMs: 200, firstRoundDelayMs: 3_600_000, log: (line) => log.push(line) });
    running.start();
    await eventually('the scheduler to lead', () => running.isLeader);
    return running;
  },
  (running) => running.stop(),
);

async function remoteTeam(slug: string): Promise<AgentClient> {
  const reply = await web().send('POST', '/api/admin/teams', {
    body: { kind: 'remote', slug, name: slug },
    headers: { authorization: `Bearer ${SECRET}` },
  });
  expect(reply.status).toBe(201);
  return new AgentClient(web().port, jsonOf<{ joinToken: string }>(reply).joinToken);
}

/** A remote team whose agent said hello, and the offer of the round then started for it alone. */
async function offeredTo(slug: string): Promise<{ agent: AgentClient; offer: Offer }> {
  const agent = await remoteTeam(slug);
  expect((await agent.hello()).status).toBe(200);
  const waiting = agent.nextOffer(0, 25);
  await startRound([slug]);
  return { agent, offer: (await waiting)! };
}

/** The agent's start of an offered round (a zero baseline), then its report that the burst was sent whole or why not. Answers the startId. */
async function startOffered(agent: AgentClient, offer: Offer, sent: 'whole' | { error: string }): Promise<string> {
  const startId = randomUUID();
  expect((await agent.start(offer.number, startId, ZEROS)).status).toBe(200);
  const report = sent === 'whole' ? { startId, acknowledged: offer.messages, durationMs: 10 } : { startId, ...sent };
  expect((await agent.sent(offer.number, report)).status).toBe(200);
  return startId;
}

async function closedRound(team: string, number: number): Promise<Round> {
  return eventually(
    `round ${number} of ${team} to close`,
    () => store().getRound(team, number),
    (round) => round !== null && round.status !== 'running',
    { timeoutMs: 120_000 },
  ) as Promise<Round>;
}

async function startRound(teams: string[]): Promise<void> {
  scheduler();
  await store().enqueueCommand({ type: 'start-round', teams });
}

describe('a remote team’s round', () => {
  it('reaches the agent, which plays it; judged on the organiser’s clock, it passes and scores', async () => {
    const { agent, offer } = await offeredTo('passing');
    expect(offer).toMatchObject({ lab: 1, messages: 400, deadlineSeconds: 20, started: null });
    await agent.playRound(offer, ZEROS);
    const round = await closedRound('passing', offer.number);
    expect(round).toMatchObject({ status: 'passed', points: 100, diagnosis: null, counts: { messages: 400 } });
    expect(round.keys?.every((key) => key.matches)).toBe(true);
    expect(round.timeToCorrectMs).toBeGreaterThanOrEqual(0);
    expect(round.timeToCorrectMs).toBe(Date.parse((await agentUploadTime('passing')) ?? '') - Date.parse(round.sendStartedAt ?? ''));
    expect((await store().getTeam('passing'))?.score).toBe(100);
  });

  it('fails offline at once when the team’s machine never connected', async () => {
    await remoteTeam('never-connected');
    await startRound(['never-connected']);
    const [running] = await eventually(
      'the round to start',
      () => store().listRounds('never-connected', { limit: 1 }),
      (rounds) => rounds.length > 0,
    );
    const round = await closedRound('never-connected', running!.number);
    expect(round).toMatchObject({
      status: 'failed',
      points: 0,
      diagnosis: { code: 'offline', message: expect.stringMatching(/^Your machine was not connected: .*never connected/) },
    });
  });

  it('fails offline with the agent’s words when the burst could not be sent whole', async () => {
    const { agent, offer } = await offeredTo('interrupted');
    await startOffered(agent, offer, { error: 'the agent stopped during the burst: not resent' });
    const round = await closedRound('interrupted', offer.number);
    expect(round.diagnosis).toMatchObject({ code: 'offline', message: expect.stringContaining('the agent stopped during the burst: not resent') });
    expect(await agent.nextOffer(0, 0)).toBeNull();
  });

  it('is resumed by an agent that restarted after its start: offered again with its start, never sent twice', async () => {
    const { agent, offer } = await offeredTo('restarted');
    const startId = randomUUID();
    expect((await agent.start(offer.number, startId, ZEROS)).status).toBe(200);
    const again = (await agent.nextOffer(offer.number, 0)) as Offer;
    expect(again.started).toMatchObject({ startId });
    const other = await agent.start(offer.number, randomUUID(), ZEROS);
    expect(jsonOf(other).reason).toBe('started-elsewhere');
    expect((await agent.sent(offer.number, { startId, acknowledged: offer.messages, durationMs: 10 })).status).toBe(200);
    await agent.table({ ...ZEROS, PV: '1.00' });
    const round = await closedRound('restarted', offer.number);
    expect(round).toMatchObject({ status: 'failed', diagnosis: { code: expect.not.stringMatching(/^offline$/) } });
  });

  it('gets the usual diagnosis when the agent’s table never changes, fails offline an agent gone after sending, and a silent agent delays no other team', async () => {
    const silent = await remoteTeam('silent');
    const still = await remoteTeam('still');
    const quick = await remoteTeam('quick');
    const gone = await remoteTeam('gone');
    await Promise.all([silent.hello(), still.hello(), quick.hello(), gone.hello()]);
    const offers = [still.nextOffer(0, 25), quick.nextOffer(0, 25), gone.nextOffer(0, 25)];
    await startRound(['silent', 'still', 'quick', 'gone']);
    const [stillOffer, quickOffer, goneOffer] = (await Promise.all(offers)) as [Offer, Offer, Offer];
    await quick.playRound(quickOffer, ZEROS);
    await startOffered(still, stillOffer, 'whole');
    const stillPolling = still.next(stillOffer.number, 25);
    await startOffered(gone, goneOffer, 'whole');

    const passed = await closedRound('quick', quickOffer.number);
    expect(passed.status).toBe('passed');
    expect((await store().getRound('silent', quickOffer.number))?.status).toBe('running');

    const silentRound = await closedRound('silent', quickOffer.number);
    expect(silentRound.diagnosis).toMatchObject({ code: 'offline', message: expect.stringMatching(/did not start the round within 15 s/) });
    expect(Date.parse(passed.endedAt!)).toBeLessThan(Date.parse(silentRound.endedAt!));
    const stillRound = await closedRound('still', stillOffer.number);
    expect(stillRound.diagnosis?.code).toBe('no-change');
    expect((await stillPolling).status).toBe(204);
    const goneRound = await closedRound('gone', goneOffer.number);
    expect(goneRound.diagnosis).toMatchObject({
      code: 'offline',
      message: expect.stringMatching(/your agent stopped answering during the round \(it was last seen at /),
    });
  });
});

async function agentUploadTime(team: string): Promise<string | null> {
  return (await new AgentRecords(store()).tableOf(team))?.receivedAt ?? null;
}
