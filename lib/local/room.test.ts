/**
 * Room mode with two real stacks on one machine (issue 10 point 6): the organiser's `npm start` (local
 * mode; its default local teams removed, so the machine carries only what this test is about) and a
 * participant's `npm start -- --join … --pipeline solution` run from a copy of this repository, as a
 * team would clone it, on other ports and with its own data directory. The remote team passes a round;
 * once the participant is stopped (Ctrl-C) and the organiser sees it offline, the next round fails
 * with the diagnosis `offline`; started again, the participant passes rounds again. Every process of
 * both stacks is gone at the end. Rounds are small (200 messages) and deadlines generous (120 s),
 * so a busy machine makes this slower, never red.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminView, TeamRound, TeamView } from '@/lib/scoreboard/views/types';
import { eventually } from '@/testing/eventually';
import { copyRepository, type RepositoryCopy } from '@/testing/repository-copy';
import { allStopped, killWorkshops, stackPorts, startWorkshop, untilOutput, type Workshop } from '@/testing/workshop';
import { commandLine, descendantsOf } from './process-tree';

const root = path.resolve(import.meta.dirname, '../..');
const SECRET = 'room-test-organiser-secret';
const TEAM = { kind: 'remote', slug: 'room-team', name: 'Room Team' };
const ROUND_MESSAGES = 200;
/** How long a round may take from the organiser's request to its verdict (the deadline is 120 s). */
const ROUND_VERDICT_MS = 300_000;

const temporary: string[] = [];
const started: Workshop[] = [];
let organiserUrl = '';
let copy: RepositoryCopy;
let joinToken = '';
let participantEnv: NodeJS.ProcessEnv;
let participant: Workshop | null = null;

function temporaryDirectory(prefix: string): string {
  const directory = mkdtempSync(path.join(os.tmpdir(), prefix));
  temporary.push(directory);
  return directory;
}

async function organiserCall<T>(method: string, pathname: string, body?: unknown): Promise<T> {
  const response = await fetch(`${organiserUrl}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${SECRET}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${pathname} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function teamPage(): Promise<TeamView> {
  const response = await fetch(`${organiserUrl}/api/teams/${TEAM.slug}`);
  if (!response.ok) throw new Error(`the team page answered ${response.status}`);
  return (await response.json()) as TeamView;
}

async function remoteState() {
  const view = await organiserCall<AdminView>('GET', '/api/admin/scoreboard');
  return view.teams.find((team) => team.slug === TEAM.slug)?.remote ?? null;
}

/** Starts the participant's stack from the copy and waits until it joined and the organiser sees it online. */
async function startParticipant(): Promise<Workshop> {
  const stack = startWorkshop(participantEnv, ['--join', organiserUrl, '--token', joinToken, '--pipeline', 'solution'], copy.directory);
  started.push(stack);
  participant = stack;
  await untilOutput(stack, 'has joined the workshop', 300_000);
  const runtime = descendantsOf(stack.npm.pid!)
    .map((pid) => commandLine(pid).join(' '))
    .find((line) => line.includes('runtime/process/main.ts'));
  expect(runtime, 'the participant runs the copy, not this repository').toContain(path.join(copy.directory, 'lib/runtime/process/main.ts'));
  expect(stack.output()).toContain('pipeline/solution/');
  // The agent reaches the organiser over the agent stream, passed by the organiser's web port to its scheduler (docs/room.md).
  await untilOutput(stack, "connected to the organiser's agent stream", 60_000);
  await eventually('the organiser to see the participant online', remoteState, (state) => state?.online === true, { timeoutMs: 60_000 });
  return stack;
}

/** Stops the participant with Ctrl-C (SIGINT to its process group) and waits until every process of its stack is gone. */
async function stopParticipant(): Promise<void> {
  if (!participant) return;
  const stack = participant;
  participant = null;
  const processes = descendantsOf(stack.npm.pid!);
  process.kill(-stack.npm.pid!, 'SIGINT');
  await stack.exited;
  await allStopped(processes);
}

/** Asks the organiser for a round of the remote team now and returns it once it closed. */
async function playRound(): Promise<TeamRound> {
  const idle = await eventually(
    'no round of the team running',
    teamPage,
    (page) => page.rounds.every((round) => 'status' in round && round.status !== 'running'),
    {
      timeoutMs: ROUND_VERDICT_MS,
    },
  );
  const before = new Set(idle.rounds.map((round) => round.number));
  await organiserCall('POST', '/api/admin/rounds', { teams: [TEAM.slug] });
  const closed = await eventually(
    'the new round to close',
    async () => (await teamPage()).rounds.find((round) => !before.has(round.number) && 'status' in round && round.status !== 'running'),
    { timeoutMs: ROUND_VERDICT_MS, intervalMs: 500 },
  );
  return closed;
}

beforeAll(async () => {
  const ports = await stackPorts();
  organiserUrl = `http://127.0.0.1:${ports.PORT}`;
  const organiser = startWorkshop({
    ...process.env,
    ...ports,
    WORKSHOP_DATA_DIR: temporaryDirectory('workshop-organiser-'),
    ORGANISER_SECRET: SECRET,
    ROUND_INTERVAL_SECONDS: '3600',
    ROUND_MESSAGES: String(ROUND_MESSAGES),
    ROUND_DEADLINE_SECONDS: '120',
  });
  started.push(organiser);
  await untilOutput(organiser, 'workshop is running', 500_000);
  for (const slug of ['reference', 'my-team']) await organiserCall('DELETE', `/api/admin/teams/${slug}`);
  joinToken = (await organiserCall<{ joinToken: string }>('POST', '/api/admin/teams', TEAM)).joinToken;

  copy = copyRepository(root);
  // The participant's stack on ports of its own, with its own data, and none of the organiser's variables.
  const { KINESIS_PORT, RUNTIME_PORT, TEAM_PORT_BASE } = await stackPorts();
  participantEnv = { ...process.env, KINESIS_PORT, RUNTIME_PORT, TEAM_PORT_BASE, WORKSHOP_DATA_DIR: temporaryDirectory('workshop-participant-data-') };
});

afterAll(async () => {
  const running = started.filter((stack) => stack.npm.exitCode === null && stack.npm.signalCode === null);
  const processes = running.flatMap((stack) => [stack.npm.pid!, ...descendantsOf(stack.npm.pid!)]);
  for (const stack of running) process.kill(-stack.npm.pid!, 'SIGINT');
  try {
    await allStopped(processes);
  } finally {
    killWorkshops();
    copy?.remove();
    for (const directory of temporary) rmSync(directory, { recursive: true, force: true });
  }
});

describe('room mode: an organiser stack and a participant stack from a copy of the repository', () => {
  it('the remote team passes a round', async () => {
    await startParticipant();
    const round = await playRound();
    expect(round).toMatchObject({ status: 'passed', passed: true, diagnosis: null, counts: { messages: ROUND_MESSAGES } });
  });

  it('stopping the participant makes the next round fail as offline', async () => {
    await stopParticipant();
    const state = await eventually('the organiser to see the participant offline', remoteState, (seen) => seen?.online === false, { timeoutMs: 60_000 });
    expect(state?.lastSeenAt).toEqual(expect.any(String));
    const round = await playRound();
    expect(round).toMatchObject({ status: 'failed', passed: false, diagnosis: { code: 'offline' } });
    expect((await teamPage()).team.remote).toMatchObject({ online: false, lastSeenAt: state?.lastSeenAt });
  });

  it('restarting the participant makes rounds pass again', async () => {
    await startParticipant();
    const round = await playRound();
    expect(round).toMatchObject({ status: 'passed', passed: true, diagnosis: null, counts: { messages: ROUND_MESSAGES } });
    await stopParticipant();
  });
});
