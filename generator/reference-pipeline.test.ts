/**
 * Rounds against the repository's real pipeline run by the local function runtime: the reference
 * solution passes Lab 1 and Lab 2 (with failure injection), and the starting
 * handlers, once wired, lose Lab 2 rounds with a diagnosis naming their bug.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startKinesisEmulator } from '@/lib/local/emulators';
import { freePort } from '@/lib/local/ports';
import { type LocalTeamStack, startLocalTeam } from '@/lib/local/team-stack';
import { DEFAULT_FAILURE_PERCENTAGES } from '@/lib/pipeline-resources';
import { LocalRuntime, type RuntimeTeam } from '@/lib/runtime/runtime';
import { runRound, type TeamTarget } from './round';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Smaller than an event's rounds and with a generous deadline: the machine running the tests is shared. */
const ROUND_MESSAGES = 2000;
const DEADLINE_SECONDS = 60;

let kinesis: Emulator;
let team: LocalTeamStack;
let target: TeamTarget;
let runtime: LocalRuntime;
let runtimeTeam: RuntimeTeam;
let startingWithWiring: string;

/** Waits until every trigger of the team reads its stream (State starts at LATEST). */
async function triggersRunning(): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = runtime.status().teams[team.slug];
    const triggers = Object.values(status?.functions ?? {}).flatMap((fn) => fn?.triggers ?? []);
    const reading =
      triggers.length === 3 &&
      triggers.every((trigger) => trigger.state === 'running' && trigger.shards.length > 0 && trigger.shards.every((shard) => shard.state !== 'starting'));
    if (reading) return;
    if (Date.now() > deadline) throw new Error(`the runtime's triggers did not start: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  kinesis = await startKinesisEmulator('kinesis-reference-test', { port: await freePort() });
  team = await startLocalTeam({ slug: 'reference', port: await freePort(), kinesisEndpoint: kinesis.endpoint, shardCount: 4 });
  target = { connection: team.connection, resources: team.resources };
  runtime = new LocalRuntime();
  runtimeTeam = {
    slug: team.slug,
    connection: team.connection,
    resources: team.resources,
    codeDirectory: path.join(root, 'pipeline/solution'),
    environment: { FAILURE_INJECTION_SEED: '7' },
  };
  await runtime.upsertTeam(runtimeTeam);
  await triggersRunning();

  startingWithWiring = mkdtempSync(path.join(os.tmpdir(), 'starting-handlers-wired-'));
  for (const handler of ['state.ts', 'map.ts', 'reduce.ts']) symlinkSync(path.join(root, 'pipeline/handlers', handler), path.join(startingWithWiring, handler));
  writeFileSync(path.join(startingWithWiring, 'triggers.json'), readFileSync(path.join(root, 'pipeline/solution/triggers.json')));
});

afterAll(async () => {
  await runtime?.stop();
  await team?.stop();
  await kinesis?.process.stop();
  if (startingWithWiring) rmSync(startingWithWiring, { recursive: true, force: true });
});

describe('the reference solution through the local runtime', () => {
  it('passes a Lab 1 round and records time-to-correct', async () => {
    const outcome = await runRound(target, {
      seed: 101,
      lab: 1,
      messages: ROUND_MESSAGES,
      deadlineSeconds: DEADLINE_SECONDS,
      failurePercentages: { state: 0, map: 0, reduce: 0 },
    });
    expect(outcome.diagnosis).toBeNull();
    expect(outcome.status).toBe('passed');
    expect(outcome.timeToCorrectMs).toBeGreaterThan(0);
    console.log(
      `reference solution, Lab 1, ${ROUND_MESSAGES} records: sent in ${Math.round(outcome.send!.durationMs)} ms, correct after ${outcome.timeToCorrectMs} ms`,
    );
  });

  it('passes a Lab 2 round with failure injection (exactly-once)', async () => {
    const outcome = await runRound(target, {
      seed: 102,
      lab: 2,
      messages: ROUND_MESSAGES,
      deadlineSeconds: DEADLINE_SECONDS,
      failurePercentages: { ...DEFAULT_FAILURE_PERCENTAGES },
    });
    expect(outcome.diagnosis).toBeNull();
    expect(outcome.status).toBe('passed');
    console.log(`reference solution, Lab 2, ${ROUND_MESSAGES} records with failures 5/10/10 %: correct after ${outcome.timeToCorrectMs} ms`);
  });
});

describe('the starting handlers, wired, in Lab 2', () => {
  it('lose the round, and the diagnosis names a Lab 2 bug', async () => {
    await runtime.upsertTeam({ ...runtimeTeam, codeDirectory: startingWithWiring });
    await triggersRunning();
    const outcome = await runRound(target, {
      seed: 103,
      lab: 2,
      messages: ROUND_MESSAGES,
      deadlineSeconds: DEADLINE_SECONDS,
      failurePercentages: { ...DEFAULT_FAILURE_PERCENTAGES },
    });
    expect(outcome.status).toBe('failed');
    expect(['double-applied', 'stale-versions']).toContain(outcome.diagnosis?.code);
    console.log(`starting handlers, Lab 2: ${outcome.diagnosis?.code}: ${outcome.diagnosis?.message}`);
  });
});
