/**
 * Vitest fixtures: each call registers a `beforeAll` that starts something and an `afterAll` that
 * stops it, in the file or `describe` block where it is called, and returns a getter for the thing
 * once started. Fixtures start in the order they are declared, so a later one may use an earlier one.
 *
 *   const kinesis = kinesisFixture();
 *   const team = pipelineTeamFixture(runtime, kinesis, 'alpha', REFERENCE_SOLUTION);
 *   it('…', async () => { await runRound(team().target, …) });
 */
import { afterAll, beforeAll } from 'vitest';
import type { Emulator } from '@/lib/local/emulators';
import { LocalRuntime } from '@/lib/runtime/runtime';
import { type LocalTeamStack, startDynamoDb, startKinesis, startTeam } from './emulators';
import { PipelineTeam } from './pipeline-team';

/** Starts `start()` before the tests and `stop()`s it after them; the getter throws before it started. */
export function fixture<T>(what: string, start: () => Promise<T>, stop: (value: T) => Promise<unknown>): () => T {
  let started: { value: T } | undefined;
  beforeAll(async () => {
    started = { value: await start() };
  });
  afterAll(async () => {
    if (started) await stop(started.value);
  });
  return () => {
    if (!started) throw new Error(`${what} is used before it started: use it in a test, or in a hook declared after the fixture`);
    return started.value;
  };
}

/** kinesalite on a port from the OS. */
export function kinesisFixture(): () => Emulator {
  return fixture(
    'the Kinesis emulator',
    () => startKinesis(),
    (emulator) => emulator.process.stop(),
  );
}

/** A DynamoDB Local on a port from the OS (for organiser stores: one fresh table per store). */
export function dynamoDbFixture(): () => Emulator {
  return fixture(
    'DynamoDB Local',
    () => startDynamoDb(),
    (emulator) => emulator.process.stop(),
  );
}

/**
 * A team's tables and one-shard stream with no pipeline reading them: its rounds fail at their
 * deadline (no change), and its stream keeps the send order.
 */
export function quietTeamFixture(kinesis: () => Emulator, slug = 'quiet'): () => LocalTeamStack {
  return fixture(
    `team ${slug}`,
    () => startTeam(slug, kinesis().endpoint, 1),
    (stack) => stack.stop(),
  );
}

/** A local function runtime in this process, stopped after the tests. */
export function runtimeFixture(): LocalRuntime {
  const runtime = new LocalRuntime();
  afterAll(() => runtime.stop());
  return runtime;
}

/**
 * A local team whose pipeline `runtime` runs from `codeDirectory` (positioned and ready before the
 * tests start); without `codeDirectory` nothing runs it until the test calls `run`.
 */
export function pipelineTeamFixture(
  runtime: LocalRuntime,
  kinesis: () => Emulator,
  slug: string,
  options: { codeDirectory?: string; environment?: Record<string, string>; shardCount?: number } = {},
): () => PipelineTeam {
  return fixture(
    `team ${slug}`,
    async () => {
      const team = await PipelineTeam.start(runtime, slug, kinesis().endpoint, options.shardCount);
      if (options.codeDirectory) await team.run(options.codeDirectory, options.environment);
      return team;
    },
    (team) => team.stop(),
  );
}
