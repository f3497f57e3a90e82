/**
 * The organiser store against a real DynamoDB Local: the named conditions hold (a slug taken once, a
 * missing team, a lease held by someone else or expired, a round closed twice or without the lease,
 * a command taken twice), the settings read with the pending commands in one query, nested
 * attributes are updated in place, and deleting a team removes its rounds. The expression builder is checked as the pure function it is.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { makeRound } from '@/generator/messages';
import { roundSeed } from '@/generator/random';
import { dynamoDbFixture } from '@/testing/fixtures';
import { freshOrganiserStore, TEST_ROUND_DEFAULTS } from '@/testing/organiser-store';
import { TeamExistsError, TeamNotFoundError } from '../errors';
import { LOCAL_REGION } from '../local/emulators';
import { OrganiserStore, ROUNDS_PER_START } from './organiser-store';
import { ExpressionNames, updateExpression } from './table';
import { newLocalTeam } from './team-records';
import type { Round } from './types';

describe('the expression builder', () => {
  it('names every path segment once and every value apart', () => {
    const x = new ExpressionNames();
    expect(updateExpression({ set: { 'local.status': 'ready', status: 'x', skipped: undefined }, add: { score: 100 } }, x)).toBe(
      'ADD #n2 :v2 SET #n0.#n1 = :v0, #n1 = :v1',
    );
    expect(x.attributes()).toEqual({
      ExpressionAttributeNames: { '#n0': 'local', '#n1': 'status', '#n2': 'score' },
      ExpressionAttributeValues: { ':v0': 'ready', ':v1': 'x', ':v2': 100 },
    });
    expect(() => updateExpression({ set: { only: undefined } }, new ExpressionNames())).toThrow(/at least one attribute/);
  });
});

describe('the organiser store', () => {
  const emulator = dynamoDbFixture();
  let store: OrganiserStore;
  const lease = { holder: 'store-test' };

  beforeAll(async () => {
    store = await freshOrganiserStore(emulator());
    await store.acquireLease(lease.holder, 60_000);
  });

  const runningRound = (team: string, number: number): Round => ({
    team,
    number,
    lab: 1,
    seed: number,
    status: 'running',
    startedAt: new Date().toISOString(),
    points: 0,
  });

  it('adds a slug once, and changes only teams that exist', async () => {
    await store.createTeam(newLocalTeam('alpha', 'Alpha', 'solution', LOCAL_REGION));
    await expect(store.createTeam(newLocalTeam('alpha', 'Other', 'handlers', LOCAL_REGION))).rejects.toThrow(TeamExistsError);
    expect((await store.getTeam('alpha'))?.name).toBe('Alpha');
    await expect(store.updateTeam('nobody', { name: 'x' })).rejects.toThrow(TeamNotFoundError);
    await expect(store.setLocalState('nobody', { status: 'ready' })).rejects.toThrow(TeamNotFoundError);
    expect(await store.getTeam('nobody')).toBeNull();
  });

  it('updates a local team’s state in place, keeping the rest of it', async () => {
    await store.createTeam(newLocalTeam('beta', 'Beta', 'handlers', LOCAL_REGION));
    const ready = await store.setLocalState('beta', { status: 'ready', message: 'up' }, { region: LOCAL_REGION, dynamodbEndpoint: 'http://127.0.0.1:1' });
    expect(ready.local).toEqual({ pipeline: 'handlers', status: 'ready', message: 'up' });
    expect(ready.connection.dynamodbEndpoint).toBe('http://127.0.0.1:1');
    const reset = await store.requestReset('beta');
    expect(reset.local?.resetRequestedAt).toEqual(expect.any(String));
    expect(reset.local?.status).toBe('ready');
  });

  it('gives the lease to one live holder at a time', async () => {
    const other = await freshOrganiserStore(emulator());
    expect(await other.acquireLease('a', 60_000)).toBe(true);
    expect(await other.acquireLease('b', 60_000)).toBe(false);
    expect(await other.acquireLease('a', 60_000)).toBe(true);
    await other.releaseLease('b');
    expect(await other.acquireLease('b', 60_000)).toBe(false);
    await other.releaseLease('a');
    expect(await other.acquireLease('b', -1)).toBe(true);
    // b's lease expired at once: a takes it, and b can no longer start a round.
    expect(await other.acquireLease('a', 60_000)).toBe(true);
    await expect(other.startRound(runningRound('alpha', 1), { holder: 'b' })).rejects.toThrow();
    expect(await other.getRound('alpha', 1)).toBeNull();
  });

  it('scores a round once, and not at all without the lease', async () => {
    await store.createTeam(newLocalTeam('gamma', 'Gamma', 'solution', LOCAL_REGION));
    const number = await store.allocateRoundNumber();
    expect(await store.allocateRoundNumber()).toBe(number + 1);
    await store.startRound(runningRound('gamma', number), lease);
    await expect(store.startRound(runningRound('gamma', number), lease)).rejects.toThrow();
    expect(await store.listRunningRounds()).toContainEqual({ team: 'gamma', number });
    await store.updateRunningRound('gamma', number, { sentAt: 'sent' });

    const team = (await store.getTeam('gamma'))!;
    const passed: Round = { ...runningRound('gamma', number), status: 'passed', points: 100, endedAt: new Date().toISOString() };
    expect(await store.closeRound(passed, { holder: 'someone-else' }, team)).toBe(false);
    expect((await store.getRound('gamma', number))?.status).toBe('running');
    expect(await store.closeRound(passed, lease, team)).toBe(true);
    expect(await store.closeRound(passed, lease, team)).toBe(false);
    await expect(store.updateRunningRound('gamma', number, { sentAt: 'late' })).rejects.toThrow();

    expect((await store.getTeam('gamma'))?.score).toBe(100);
    expect(await store.getRound('gamma', number)).toMatchObject({ status: 'passed', points: 100, sentAt: 'sent' });
    expect(await store.listRunningRounds()).not.toContainEqual({ team: 'gamma', number });
  });

  it('records the most rounds one transaction takes together, only with the lease, refusing only those recorded already', async () => {
    const number = await store.allocateRoundNumber();
    const rounds = Array.from({ length: ROUNDS_PER_START }, (_, index) => runningRound(`together-${index}`, number));
    await expect(store.startRounds(rounds, { holder: 'someone-else' })).rejects.toThrow();
    expect(await store.getRound('together-0', number)).toBeNull();
    expect(await store.startRounds(rounds, lease)).toEqual([]);
    const running = await store.listRunningRounds();
    for (const round of rounds) {
      expect(await store.getRound(round.team, number)).toMatchObject({ status: 'running' });
      expect(running).toContainEqual({ team: round.team, number });
    }
    // Two of them recorded already: those two are refused, the others recorded.
    const again = [runningRound('together-new', number), rounds[0]!, runningRound('together-newer', number), rounds[1]!];
    expect((await store.startRounds(again, lease)).map((round) => round.team)).toEqual(['together-0', 'together-1']);
    expect(await store.getRound('together-new', number)).toMatchObject({ status: 'running' });
    expect(await store.getRound('together-newer', number)).toMatchObject({ status: 'running' });
    expect(await store.listRunningRounds()).toContainEqual({ team: 'together-newer', number });
    // Without the lease none is recorded, whatever else fails.
    const unleased = [runningRound('together-unleased', number), rounds[2]!];
    await expect(store.startRounds(unleased, { holder: 'someone-else' })).rejects.toThrow();
    expect(await store.getRound('together-unleased', number)).toBeNull();
    await expect(store.startRounds([...rounds, runningRound('one-too-many', number)], lease)).rejects.toThrow(/at most/);
  });

  it('lists rounds newest first or after a number, and deletes them with their team, running marks included', async () => {
    await store.createTeam(newLocalTeam('delta', 'Delta', 'solution', LOCAL_REGION));
    for (const number of [101, 102, 103]) await store.startRound(runningRound('delta', number), lease);
    expect((await store.listRounds('delta', { limit: 2 })).map((round) => round.number)).toEqual([103, 102]);
    expect((await store.listRounds('delta', { after: 101 })).map((round) => round.number)).toEqual([102, 103]);
    expect(await store.listRunningRounds()).toContainEqual({ team: 'delta', number: 103 });
    expect(await store.deleteTeam('delta')).toBe(true);
    expect(await store.listRounds('delta')).toEqual([]);
    expect((await store.listRunningRounds()).filter((mark) => mark.team === 'delta')).toEqual([]);
    expect(await store.deleteTeam('delta')).toBe(false);
  });

  it('hands each command to one taker', async () => {
    const command = await store.enqueueCommand({ type: 'start-round', teams: ['alpha'] });
    const [first, second] = await Promise.all([store.takeCommands(), store.takeCommands()]);
    expect([...(first ?? []), ...(second ?? [])]).toEqual([command]);
  });

  it('reads the settings and the pending commands in one query, oldest command first, each taken once', async () => {
    await store.saveFrozenSnapshot('{"frozen":true}');
    const older = await store.enqueueCommand({ type: 'start-round', teams: ['alpha'] });
    const newer = await store.enqueueCommand({ type: 'start-round' });
    const read = await store.settingsAndCommands();
    expect(read.settings).toEqual(await store.getSettings());
    expect(read.commands).toEqual([older, newer]);
    const [first, second] = await Promise.all([store.takeCommands(read.commands), store.takeCommands()]);
    expect([...first, ...second].sort((a, b) => a.id.localeCompare(b.id))).toEqual([older, newer]);
    expect((await store.settingsAndCommands()).commands).toEqual([]);
    await store.saveFrozenSnapshot(null);
  });

  it('keeps settings over their defaults, and the frozen snapshot until it is cleared', async () => {
    expect((await store.getSettings()).paused).toBe(false);
    expect(await store.updateSettings({ paused: true, roundMessages: 700 })).toMatchObject({ paused: true, roundMessages: 700, roundDeadlineSeconds: 60 });
    await store.saveFrozenSnapshot('{"x":1}');
    expect(await store.getFrozenSnapshot()).toBe('{"x":1}');
    await store.saveFrozenSnapshot(null);
    expect(await store.getFrozenSnapshot()).toBeNull();
    expect(await store.claimFirstStart()).toBe(true);
    expect(await store.claimFirstStart()).toBe(false);
  });

  it('keeps one round-seed secret per event, which all its processes agree on, and another event has another', async () => {
    const sameTable = () => new OrganiserStore({ region: LOCAL_REGION, dynamodbEndpoint: emulator().endpoint }, store.tableName, TEST_ROUND_DEFAULTS);
    const racing = await Promise.all([sameTable().roundSeedSecret(), sameTable().roundSeedSecret(), store.roundSeedSecret()]);
    expect(racing[0]).toHaveLength(32);
    expect(racing[1]).toEqual(racing[0]);
    expect(racing[2]).toEqual(racing[0]);
    expect(await sameTable().roundSeedSecret()).toEqual(racing[0]);

    const otherEvent = await freshOrganiserStore(emulator());
    const otherSecret = await otherEvent.roundSeedSecret();
    expect(otherSecret).not.toEqual(racing[0]);
    const seed = roundSeed(racing[0]!, 'alpha', 1);
    const otherSeed = roundSeed(otherSecret, 'alpha', 1);
    expect(otherSeed).not.toBe(seed);
    const totals = (seedOfRound: number) => makeRound({ seed: seedOfRound, lab: 1, messages: 200, now: () => 0 }).expected;
    expect(totals(otherSeed)).not.toEqual(totals(seed));
  });
});
