/**
 * Team isolation: each team's handlers run in a sandbox process of their own, so hostile handlers
 * (SIGKILL of their own process, process.exit, a synchronous endless loop, Buffers until memory runs
 * out, an exhausted JavaScript heap, console output in an endless loop) fail only their own team's
 * invocations, which are logged with their cause and retried as on Lambda, while the reference
 * solution of another team goes on passing rounds beside them. Rounds are judged once the pipeline
 * is idle (no timing assertions); hostile teams read their own streams in the same Kinesis emulator.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_REGION } from '@/lib/local/emulators';
import { localResources } from '@/lib/pipeline-resources';
import { eventually } from '@/testing/eventually';
import { kinesisFixture } from '@/testing/fixtures';
import { judgedRound } from '@/testing/judged-round';
import { PipelineTeam, REFERENCE_SOLUTION } from '@/testing/pipeline-team';
import type { LogEntry } from './logs/log-entry';
import { LocalRuntime } from './runtime';
import type { ShardStatus } from './streams/shard-reader';
import { createTestTeam, putRecords, streamTrigger, type TestTeam } from './test-kit';

/** Lower than the default, so that five hostile sandboxes stay well within a test machine's memory. */
const SANDBOX_MEMORY_MB = 768;

/** Each hostile team's State handler: what it does on every invocation. */
const HOSTILE: Record<string, { body: string; timeoutSeconds?: number }> = {
  killer: { body: "process.kill(process.pid, 'SIGKILL');" },
  exiter: { body: 'process.exit(7);' },
  looper: { body: 'for (;;) {}', timeoutSeconds: 2 },
  // Filling its cap with Buffers is paid in page faults: 2.6 s for 704 MB in a lone process on this machine, 8.7 s
  // beside the other sandboxes, over 10 s while the suite ran. Like the glutton, it gets time to reach its cap.
  hoarder: { body: 'const kept = ((globalThis as any).kept ??= []); for (;;) kept.push(Buffer.alloc(32 * 1024 * 1024, 1));', timeoutSeconds: 60 },
  glutton: { body: 'const kept = ((globalThis as any).kept ??= []); for (let i = 0; ; i++) kept.push(new Array(1_000_000).fill(i));', timeoutSeconds: 60 },
  chatty: { body: "console.log('y'.repeat(100_000)); for (let i = 0; i < 200_000; i++) console.log('line', i); throw new Error('chatty');" },
};

const kinesis = kinesisFixture();
let runtime: LocalRuntime;
let reference: PipelineTeam;
const hostile = new Map<string, TestTeam>();

function stateLogs(slug: string): LogEntry[] {
  return runtime.logs({ team: slug, function: 'state', limit: 5_000 });
}

function stateStatus(slug: string) {
  const status = runtime.status().teams[slug]?.functions.state;
  if (!status) throw new Error(`no State function for ${slug}`);
  return status;
}

beforeAll(async () => {
  runtime = new LocalRuntime({ sandboxMemoryMb: SANDBOX_MEMORY_MB });
  reference = await PipelineTeam.start(runtime, 'reference', kinesis().endpoint);
  await reference.run(REFERENCE_SOLUTION);
  const connection = { region: LOCAL_REGION, kinesisEndpoint: kinesis().endpoint, dynamodbEndpoint: 'http://127.0.0.1:1' };
  for (const [slug, { body, timeoutSeconds = 10 }] of Object.entries(HOSTILE)) {
    const team = await createTestTeam(
      slug,
      connection,
      1,
      { 'state.ts': `export const handler = async (event: any) => {\n  ${body}\n};\n` },
      {
        functions: { state: { handler: 'state.ts', timeoutSeconds } },
        triggers: [streamTrigger('state', { batchSize: 10 })],
      },
    );
    hostile.set(slug, team);
    await putRecords(connection, localResources(slug).streamName, [{ data: `${slug} record`, partitionKey: slug }]);
    await runtime.upsertTeam(team.team);
  }
  for (const slug of hostile.keys())
    await eventually(`a first failed invocation of ${slug}`, () => stateStatus(slug).stats.errors + stateStatus(slug).stats.timeouts > 0);
});

afterAll(async () => {
  await reference?.stop();
  await runtime?.stop();
  for (const team of hostile.values()) team.remove();
});

describe('team isolation', () => {
  it("the reference team's rounds pass while every hostile team fails and retries its own batch", { timeout: 600_000 }, async () => {
    for (const seed of [1, 2, 3]) {
      const round = await judgedRound(reference, { seed, lab: 1, messages: 1_000, deadlineSeconds: 120 });
      expect({ seed, passed: round.settled.passed, game: round.game }).toEqual({ seed, passed: true, game: 'passed' });
    }
    const sandbox = runtime.status().teams.reference?.sandbox;
    expect(sandbox).toMatchObject({ state: 'ready', deaths: 0, memoryLimitMb: SANDBOX_MEMORY_MB });
    const status = readFileSync(`/proc/${sandbox?.pid}/status`, 'utf8');
    console.log(`reference sandbox after 3 rounds: ${status.match(/VmHWM:\s+\d+ kB/)?.[0]}, ${status.match(/VmData:\s+\d+ kB/)?.[0]}`);

    for (const slug of hostile.keys()) {
      const shard = stateStatus(slug).triggers[0]?.shards[0] as ShardStatus | undefined;
      expect({ slug, checkpoint: shard?.checkpoint, retried: (shard?.attempt ?? 0) >= 2 }).toEqual({ slug, checkpoint: undefined, retried: true });
    }
  });

  it('says in the logs what happened, in Lambda’s words and in plain words', () => {
    /** The State invocations of a team whose END line does not match (none, when every one does). */
    const endsNotSaying = (slug: string, pattern: RegExp) =>
      stateLogs(slug)
        .filter((entry) => entry.kind === 'end' && !pattern.test(entry.message))
        .map((entry) => entry.message);
    const said = (slug: string, pattern: RegExp) => stateLogs(slug).some((entry) => pattern.test(entry.message));

    expect(endsNotSaying('killer', /Runtime\.ExitError: RequestId: \S+ Error: Runtime exited with error: signal: killed/)).toEqual([]);
    expect(said('killer', /sandbox process .* was killed by SIGKILL .*1 invocation in flight failed and is retried; starting it again in/)).toBe(true);
    expect(said('killer', /it died [2-9] times in a row/)).toBe(true);
    expect(endsNotSaying('exiter', /Runtime\.ExitError: Runtime exited with error: exit status 7/)).toEqual([]);
    expect(endsNotSaying('looper', /Task timed out after 2\.00 seconds/)).toEqual([]);
    expect(endsNotSaying('hoarder', /Array buffer allocation failed .*out of memory|Runtime\.OutOfMemory/)).toEqual([]);
    expect(endsNotSaying('glutton', /Runtime\.OutOfMemory/)).toEqual([]);
    for (const slug of ['killer', 'exiter', 'looper', 'hoarder', 'glutton']) {
      const ends = stateLogs(slug).filter((entry) => entry.kind === 'end');
      console.log(`${slug}: ${ends.length} failed invocations, sandbox died ${runtime.status().teams[slug]?.sandbox.deaths} times; first: ${ends[0]?.message}`);
      expect(ends.length).toBeGreaterThan(0);
    }
    for (const slug of ['exiter', 'looper']) expect({ slug, deaths: runtime.status().teams[slug]?.sandbox.deaths }).toEqual({ slug, deaths: 0 });
  });

  it("caps a team's console output: long lines are cut, lines beyond the rate are dropped and counted", () => {
    const output = stateLogs('chatty').filter((entry) => entry.kind === 'output');
    expect(output.some((entry) => entry.message.length < 100_000 && /^y+… \(\d+ more characters cut\)$/.test(entry.message))).toBe(true);
    const invocations = stateStatus('chatty').stats.invocations;
    expect(output.length).toBeLessThan(invocations * 200_000);
    expect(stateLogs('chatty').some((entry) => entry.kind === 'system' && /lines of console output dropped/.test(entry.message))).toBe(true);
  });

  it('a fixed handler is picked up after the sandbox kept dying, and its batch then goes through', async () => {
    const killer = hostile.get('killer')!;
    const marker = path.join(mkdtempSync(path.join(os.tmpdir(), 'isolation-')), 'handled');
    killer.writeFile(
      'state.ts',
      `import { writeFileSync } from 'node:fs';\nexport const handler = async () => { writeFileSync(${JSON.stringify(marker)}, 'ok'); };\n`,
    );
    await eventually('the fixed handler to take the batch', () => (stateStatus('killer').triggers[0]?.shards[0] as ShardStatus | undefined)?.checkpoint, {
      timeoutMs: 90_000,
    });
    expect(readFileSync(marker, 'utf8')).toBe('ok');
    rmSync(path.dirname(marker), { recursive: true, force: true });
  });
});
