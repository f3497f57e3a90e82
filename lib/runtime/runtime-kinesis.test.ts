/**
 * The local runtime against a real Kinesis emulator: per-shard order, identical retries, the
 * concurrency limit, the batching window, exactly-once success under random errors, hot reload,
 * build errors and timeouts (docs/game.md, "Trigger semantics").
 */
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DescribeStreamSummaryCommand, ListShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Connection, kinesisClient } from '@/lib/aws/clients';
import { LOCAL_REGION } from '@/lib/local/emulators';
import { recreateStream } from '@/lib/local/team-resources';
import { type Emulator, startKinesis } from '@/testing/emulators';
import { eventually } from '@/testing/eventually';
import { LocalRuntime } from './runtime';
import type { ShardStatus } from './streams/shard-reader';
import { createTestTeam, putRecords, type Report, readReports, reportingHandler, streamTrigger, type TestTeam } from './test-kit';

let kinesis: Emulator;
let connection: Connection;
const runtime = new LocalRuntime();
const teams: TestTeam[] = [];

beforeAll(async () => {
  kinesis = await startKinesis('kinesis-runtime-test');
  connection = { region: LOCAL_REGION, kinesisEndpoint: kinesis.endpoint, dynamodbEndpoint: 'http://127.0.0.1:1' };
});

afterAll(async () => {
  await runtime.stop();
  await kinesis?.process.stop();
  for (const team of teams) team.remove();
});

type TestWiring = Parameters<typeof createTestTeam>[4];

async function startTeam(slug: string, shardCount: number, files: Record<string, string>, wiring: TestWiring, before?: (team: TestTeam) => Promise<unknown>) {
  const team = await createTestTeam(slug, connection, shardCount, files, wiring);
  teams.push(team);
  await before?.(team);
  await runtime.upsertTeam(team.team);
  return team;
}

const trigger = streamTrigger;

function functionStatus(slug: string, fn: 'state' | 'map' | 'reduce') {
  const status = runtime.status().teams[slug]?.functions[fn];
  if (!status) throw new Error(`no status for ${slug}/${fn}`);
  return status;
}

function successfulRecords(reports: Report[], label?: string): string[] {
  return reports.filter((report) => report.outcome === 'success' && (label === undefined || report.label === label)).flatMap((report) => report.records);
}

async function waitForSuccesses(team: TestTeam, count: number, fn?: string): Promise<Report[]> {
  return eventually(
    `${count} records delivered${fn ? ` to ${fn}` : ''}`,
    () => readReports<Report>(team.reportDirectory).filter((report) => !fn || report.fn.endsWith(fn)),
    (reports) => successfulRecords(reports).length >= count,
  );
}

function records(count: number, prefix = 'r'): Array<{ data: string; partitionKey: string }> {
  return Array.from({ length: count }, (_, index) => ({ data: `${prefix}${index}`, partitionKey: `key-${index % 97}` }));
}

const bySequence = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

describe('local runtime on Kinesis', () => {
  it('delivers each shard in sequence order, one batch of a shard at a time', async () => {
    const team = await startTeam(
      'order',
      4,
      { 'state.ts': reportingHandler({ body: 'await new Promise((r) => setTimeout(r, 2));' }) },
      {
        functions: { state: { handler: 'state.ts', timeoutSeconds: 30 } },
        triggers: [trigger('state')],
      },
    );
    const sent = await putRecords(connection, team.team.resources.streamName, records(4000));
    const reports = await waitForSuccesses(team, sent.length);
    const shards = new Map<string, Report[]>();
    for (const report of reports) shards.set(report.shardId, [...(shards.get(report.shardId) ?? []), report]);
    expect(shards.size).toBe(4);
    for (const shardReports of shards.values()) {
      shardReports.sort((a, b) => a.started - b.started);
      const sequence = shardReports.flatMap((report) => report.records);
      expect(sequence).toEqual([...sequence].sort(bySequence));
      expect(new Set(sequence).size).toBe(sequence.length);
      for (let index = 1; index < shardReports.length; index++) {
        expect(shardReports[index]!.started).toBeGreaterThanOrEqual(shardReports[index - 1]!.ended);
      }
      expect(Math.max(...shardReports.map((report) => report.records.length))).toBeLessThanOrEqual(100);
    }
    expect(reports.flatMap((report) => report.records).sort(bySequence)).toEqual([...sent].sort(bySequence));
  });

  it('retries the identical batch after errors and moves the checkpoint only after success', async () => {
    const handler = `
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
export const handler = async (event: any) => {
  const directory = process.env.REPORT_DIR!;
  const counter = path.join(directory, 'attempts');
  const attempt = (existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0) + 1;
  writeFileSync(counter, String(attempt));
  writeFileSync(path.join(directory, 'attempt-' + attempt + '.event'), JSON.stringify(event));
  if (attempt <= 2) throw new Error('failing attempt ' + attempt);
  while (!existsSync(path.join(directory, 'release'))) await new Promise((resolve) => setTimeout(resolve, 20));
};`;
    let sent: string[] = [];
    const team = await startTeam(
      'retry',
      1,
      { 'state.ts': handler },
      { functions: { state: { handler: 'state.ts', timeoutSeconds: 30 } }, triggers: [trigger('state', { batchSize: 50 })] },
      async (created) => {
        sent = await putRecords(connection, created.team.resources.streamName, records(30));
      },
    );
    const eventFile = (attempt: number) => path.join(team.reportDirectory, `attempt-${attempt}.event`);
    await eventually('the third attempt', () => existsSync(eventFile(3)));
    const shard = () => functionStatus('retry', 'state').triggers[0]?.shards[0] as ShardStatus;
    expect(shard().checkpoint).toBeUndefined();
    expect(shard().attempt).toBe(3);
    expect(functionStatus('retry', 'state').stats.errors).toBe(2);

    const events = [1, 2, 3].map((attempt) => JSON.parse(readFileSync(eventFile(attempt), 'utf8')) as KinesisStreamEvent);
    expect(events[0]?.Records.map((record) => record.kinesis.sequenceNumber)).toEqual(sent);
    expect(events[1]).toEqual(events[0]);
    expect(events[2]).toEqual(events[0]);

    writeFileSync(path.join(team.reportDirectory, 'release'), '');
    await eventually('the checkpoint after the last record', shard, (status) => status.checkpoint === sent.at(-1));
    expect(functionStatus('retry', 'state').stats).toMatchObject({ invocations: 3, errors: 2, records: 30 });
    const ends = runtime.logs({ team: 'retry', function: 'state' }).filter((entry) => entry.kind === 'end');
    expect(ends.map((entry) => [entry.attempt, entry.outcome])).toEqual([
      [1, 'error'],
      [2, 'error'],
      [3, 'success'],
    ]);
    expect(ends[0]?.message).toContain('failing attempt 1');
    expect(ends[0]?.stack).toContain('state.ts');
  });

  it('never overlaps two invocations of a function with reserved concurrency 1, across shards', async () => {
    const team = await startTeam(
      'limited',
      4,
      { 'reduce.ts': reportingHandler({ body: 'await new Promise((r) => setTimeout(r, 15));' }) },
      {
        functions: { reduce: { handler: 'reduce.ts', timeoutSeconds: 30, reservedConcurrency: 1 } },
        triggers: [trigger('reduce', { batchSize: 25 })],
      },
    );
    const sent = await putRecords(connection, team.team.resources.streamName, records(800));
    const reports = (await waitForSuccesses(team, sent.length)).sort((a, b) => a.started - b.started);
    expect(new Set(reports.map((report) => report.shardId)).size).toBe(4);
    for (let index = 1; index < reports.length; index++) {
      expect(reports[index]!.started).toBeGreaterThanOrEqual(reports[index - 1]!.ended);
    }
  });

  it('holds the records it has read for the batching window and delivers what arrived meanwhile in one batch', async () => {
    // The window (5 s) is the only deadline here: the records after the first are put once the
    // runtime holds the first one, so a slow machine changes nothing but the test's duration.
    const windowSeconds = 5;
    const team = await startTeam(
      'window',
      1,
      { 'map.ts': reportingHandler() },
      {
        functions: { map: { handler: 'map.ts', timeoutSeconds: 30 } },
        triggers: [trigger('map', { batchSize: 1000, maximumBatchingWindowInSeconds: windowSeconds })],
      },
    );
    const stream = team.team.resources.streamName;
    const firstPut = Date.now();
    const held = await putRecords(connection, stream, records(1, 'w0-'));
    await eventually(
      'the runtime to hold the first record',
      () => functionStatus('window', 'map').triggers[0]?.shards[0] as ShardStatus | undefined,
      (shard) => shard?.pending === 1,
      { intervalMs: 20 },
    );
    const meanwhile: string[] = [];
    for (let index = 1; index < 6; index++) meanwhile.push(...(await putRecords(connection, stream, records(1, `w${index}-`))));
    const [first] = (await waitForSuccesses(team, 6)).sort((a, b) => a.started - b.started);
    expect(first?.records).toEqual([...held, ...meanwhile]);
    expect(first!.started - firstPut).toBeGreaterThanOrEqual(windowSeconds * 1000);
  });

  it('delivers every record of 50,000 to exactly one successful invocation despite random errors', async () => {
    const team = await startTeam(
      'exactly-once',
      4,
      { 'state.ts': reportingHandler({ body: "if (Math.random() < 0.25) throw new Error('random failure');" }) },
      {
        functions: { state: { handler: 'state.ts', timeoutSeconds: 30 } },
        triggers: [trigger('state', { batchSize: 500 })],
      },
    );
    const sent = await putRecords(connection, team.team.resources.streamName, records(50_000));
    await eventually(
      'the runtime to count 50,000 delivered records',
      () => functionStatus('exactly-once', 'state').stats,
      (stats) => stats.records >= sent.length,
      { timeoutMs: 480_000 },
    );
    const reports = await waitForSuccesses(team, sent.length);
    const delivered = new Map<string, number>();
    for (const sequenceNumber of successfulRecords(reports)) delivered.set(sequenceNumber, (delivered.get(sequenceNumber) ?? 0) + 1);
    expect(delivered.size).toBe(sent.length);
    expect([...delivered.values()].every((count) => count === 1)).toBe(true);
    expect(sent.every((sequenceNumber) => delivered.has(sequenceNumber))).toBe(true);
    expect(reports.some((report) => report.outcome === 'error')).toBe(true);
  });

  it('picks up an edited handler and an edited shared file outside its folder without a restart, keeping checkpoints', async () => {
    const handler = (suffix: string) => reportingHandler({ imports: "import { LABEL } from '../shared/label';", label: `LABEL + '${suffix}'` });
    const team = await startTeam(
      'reload',
      2,
      { '../shared/label.ts': "export const LABEL = 'v1';", 'state.ts': handler('') },
      {
        functions: { state: { handler: 'state.ts', timeoutSeconds: 30 } },
        triggers: [trigger('state')],
      },
    );
    const first = await putRecords(connection, team.team.resources.streamName, records(300, 'a'));
    await waitForSuccesses(team, first.length);
    const version = () => {
      const code = functionStatus('reload', 'state').code;
      return code.state === 'ready' ? code.version : 0;
    };
    expect(version()).toBe(1);

    team.writeFile('../shared/label.ts', "export const LABEL = 'v2';");
    await eventually('code version 2', version, (current) => current === 2);
    const second = await putRecords(connection, team.team.resources.streamName, records(300, 'b'));
    await waitForSuccesses(team, first.length + second.length);

    team.writeFile('state.ts', handler('-edited'));
    await eventually('code version 3', version, (current) => current === 3);
    const third = await putRecords(connection, team.team.resources.streamName, records(300, 'c'));
    const reports = await waitForSuccesses(team, first.length + second.length + third.length);

    expect(successfulRecords(reports, 'v1').sort(bySequence)).toEqual([...first].sort(bySequence));
    expect(successfulRecords(reports, 'v2').sort(bySequence)).toEqual([...second].sort(bySequence));
    expect(successfulRecords(reports, 'v2-edited').sort(bySequence)).toEqual([...third].sort(bySequence));
  });

  it('reports a syntax error in the logs and stops only that function until it is fixed', async () => {
    const team = await startTeam(
      'broken',
      1,
      { 'state.ts': reportingHandler(), 'map.ts': reportingHandler() },
      {
        functions: { state: { handler: 'state.ts', timeoutSeconds: 30 }, map: { handler: 'map.ts', timeoutSeconds: 30 } },
        triggers: [trigger('state'), trigger('map')],
      },
    );
    team.writeFile('state.ts', 'export const handler = async (event: any) => {\n  return event.Records.length\n');
    await eventually(
      'the build error',
      () => functionStatus('broken', 'state').code,
      (code) => code.state === 'build-error',
    );
    const problem = runtime.logs({ team: 'broken', function: 'state' }).find((entry) => entry.kind === 'system' && entry.level === 'error');
    expect(problem?.message).toMatch(/state\.ts:\d+:\d+/);

    const sent = await putRecords(connection, team.team.resources.streamName, records(200));
    await waitForSuccesses(team, sent.length, 'MapLambda');
    await eventually(
      `state to hold the ${sent.length} records`,
      () => functionStatus('broken', 'state').triggers[0]?.shards[0] as ShardStatus | undefined,
      (shard) => shard?.pending === sent.length,
    );
    expect(functionStatus('broken', 'state').stats.invocations).toBe(0);

    team.writeFile('state.ts', reportingHandler());
    const reports = await waitForSuccesses(team, sent.length, 'StateLambda');
    expect(successfulRecords(reports).sort(bySequence)).toEqual([...sent].sort(bySequence));
  });

  it('times out a hanging handler and retries it while other functions keep running', async () => {
    // Map must finish while State hangs: its timeout (10 s) leaves a busy machine time to start Map's worker.
    const hangOnce = `
      const marker = path.join(process.env.REPORT_DIR!, 'hung');
      if (!existsSync(marker)) { writeFileSync(marker, ''); while (true) {} }`;
    const team = await startTeam(
      'hang',
      1,
      { 'state.ts': reportingHandler({ imports: "import { existsSync } from 'node:fs';", body: hangOnce }), 'map.ts': reportingHandler() },
      {
        functions: { state: { handler: 'state.ts', timeoutSeconds: 10 }, map: { handler: 'map.ts', timeoutSeconds: 30 } },
        triggers: [trigger('state'), trigger('map')],
      },
    );
    const sent = await putRecords(connection, team.team.resources.streamName, records(50));
    const stateReports = await waitForSuccesses(team, sent.length, 'StateLambda');
    const mapReports = await waitForSuccesses(team, sent.length, 'MapLambda');
    expect(successfulRecords(stateReports)).toEqual(sent);
    expect(functionStatus('hang', 'state').stats).toMatchObject({ timeouts: 1, records: sent.length });
    const timeout = runtime.logs({ team: 'hang', function: 'state' }).find((entry) => entry.outcome === 'timeout');
    expect(timeout?.message).toContain('Task timed out after 10.00 seconds');
    expect(Math.max(...mapReports.map((report) => report.ended))).toBeLessThan(Date.parse(timeout!.time));
  });

  it('applies wiring edits live and keeps the previous wiring when the file is invalid', async () => {
    const wiring: TestWiring = {
      functions: { state: { handler: 'state.ts', timeoutSeconds: 30 }, map: { handler: 'map.ts', timeoutSeconds: 30 } },
      triggers: [trigger('state')],
    };
    const team = await startTeam('wiring', 1, { 'state.ts': reportingHandler(), 'map.ts': reportingHandler() }, wiring);
    const first = await putRecords(connection, team.team.resources.streamName, records(100, 'a'));
    await waitForSuccesses(team, first.length, 'StateLambda');

    team.writeWiring({ ...wiring, triggers: [trigger('state', { batchSize: 0 })] });
    await eventually('the wiring problem', () => runtime.status().teams.wiring?.wiring.problem);
    expect(runtime.status().teams.wiring?.wiring.problem).toContain('triggers.0.batchSize');
    const second = await putRecords(connection, team.team.resources.streamName, records(100, 'b'));
    await waitForSuccesses(team, first.length + second.length, 'StateLambda');

    team.writeWiring({ ...wiring, triggers: [trigger('map', { startingPosition: 'LATEST' })] });
    await eventually(
      'the map trigger reading',
      () => functionStatus('wiring', 'map').triggers,
      (triggers) => triggers[0]?.shards.some((shard) => shard.state === 'reading') === true,
    );
    expect(functionStatus('wiring', 'state').triggers).toEqual([]);
    const third = await putRecords(connection, team.team.resources.streamName, records(100, 'c'));
    const reports = await waitForSuccesses(team, third.length, 'MapLambda');
    expect(successfulRecords(reports.filter((report) => report.fn.endsWith('MapLambda')))).toEqual(third);
    expect(successfulRecords(readReports<Report>(team.reportDirectory).filter((report) => report.fn.endsWith('StateLambda'))).length).toBe(
      first.length + second.length,
    );
    const messages = runtime.logs({ team: 'wiring', function: 'map' }).map((entry) => entry.message);
    expect(messages.some((message) => message.includes('trigger from IncomingDataStream added'))).toBe(true);
  });

  it('refuses a handler outside the code folder (by .. or by a symbolic link), keeping the previous wiring', async () => {
    const wiring: TestWiring = { functions: { state: { handler: 'state.ts', timeoutSeconds: 30 } }, triggers: [trigger('state')] };
    const team = await startTeam(
      'confined',
      1,
      { 'state.ts': reportingHandler({ label: "'inside'" }), '../outside.ts': reportingHandler({ label: "'outside'" }) },
      wiring,
    );
    const { codeDirectory } = team.team;
    const first = await putRecords(connection, team.team.resources.streamName, records(10, 'a'));
    await waitForSuccesses(team, first.length);
    const problem = () => runtime.status().teams.confined?.wiring.problem;

    symlinkSync(path.join(codeDirectory, '../outside.ts'), path.join(codeDirectory, 'link.ts'));
    team.writeWiring({ ...wiring, functions: { state: { handler: 'link.ts', timeoutSeconds: 30 } } });
    await eventually('the wiring problem', problem);
    expect(problem()).toMatch(/^triggers\.json is invalid: functions\.state\.handler: link\.ts leads outside the code folder .*outside\.ts/);
    expect(runtime.logs({ team: 'confined', function: 'state' }).some((entry) => entry.message.endsWith('the previous wiring stays in effect'))).toBe(true);

    team.writeWiring({ ...wiring, functions: { state: { handler: '../outside.ts', timeoutSeconds: 30 } } });
    await eventually('the second wiring problem', () => problem()?.includes('must name a file inside the code folder'));
    const second = await putRecords(connection, team.team.resources.streamName, records(10, 'b'));
    const reports = await waitForSuccesses(team, first.length + second.length);
    expect(successfulRecords(reports, 'outside')).toEqual([]);
    expect(successfulRecords(reports, 'inside').sort(bySequence)).toEqual([...first, ...second].sort(bySequence));

    team.writeWiring(wiring);
    await eventually('the wiring to be valid again', () => !problem());
    rmSync(path.join(codeDirectory, 'state.ts'));
    symlinkSync(path.join(codeDirectory, '../outside.ts'), path.join(codeDirectory, 'state.ts'));
    await eventually('the build to refuse the linked handler', () => functionStatus('confined', 'state').code.state === 'build-error');
    expect(functionStatus('confined', 'state').code).toMatchObject({ message: expect.stringContaining('state.ts leads outside the code folder') });
  });

  it('skips a batch once its maximum retry attempts are spent and goes on with the next', async () => {
    const failFirstBatch = `
      const marker = path.join(process.env.REPORT_DIR!, 'first-batch');
      const first = existsSync(marker) ? readFileSync(marker, 'utf8') : (writeFileSync(marker, records[0]), records[0]);
      if (records[0] === first) throw new Error('this batch always fails');`;
    let first: string[] = [];
    const team = await startTeam(
      'give-up',
      1,
      { 'state.ts': reportingHandler({ imports: "import { existsSync, readFileSync } from 'node:fs';", body: failFirstBatch }) },
      { functions: { state: { handler: 'state.ts', timeoutSeconds: 30 } }, triggers: [trigger('state', { maximumRetryAttempts: 2 })] },
      async (created) => {
        first = await putRecords(connection, created.team.resources.streamName, records(20, 'a'));
      },
    );
    await eventually(
      'the batch to be skipped',
      () => functionStatus('give-up', 'state').triggers[0]?.shards[0] as ShardStatus | undefined,
      (shard) => shard?.checkpoint === first.at(-1),
    );
    const second = await putRecords(connection, team.team.resources.streamName, records(20, 'b'));
    const reports = await waitForSuccesses(team, second.length);
    expect(successfulRecords(reports)).toEqual(second);
    expect(reports.filter((report) => report.outcome === 'error')).toHaveLength(3);
    expect(
      runtime
        .logs({ team: 'give-up', function: 'state' })
        .some((entry) => entry.message.includes('retry attempts exhausted after 3 attempts; 20 records skipped')),
    ).toBe(true);
  });

  it('starts over when its stream is recreated, and when the team is reset with a new connection', async () => {
    const team = await startTeam(
      'reset',
      1,
      { 'state.ts': reportingHandler() },
      { functions: { state: { handler: 'state.ts', timeoutSeconds: 30 } }, triggers: [trigger('state')] },
    );
    const streamName = team.team.resources.streamName;
    const before = await putRecords(connection, streamName, records(10, 'a'));
    await waitForSuccesses(team, before.length);

    // The runtime tells streams apart by creation time, which kinesalite keeps in whole seconds and
    // dates 2 s back: recreate the stream once one created now gets a later creation time.
    const summary = await kinesisClient(connection).send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    const createdSecond = Math.floor((summary.StreamDescriptionSummary?.StreamCreationTimestamp?.getTime() ?? Date.now()) / 1000);
    const KINESALITE_BACKDATING_MS = 2000;
    await eventually(
      'a clock a stream created now would get a later creation time on',
      () => Math.floor((Date.now() - KINESALITE_BACKDATING_MS) / 1000),
      (second) => second > createdSecond,
      { intervalMs: 20 },
    );
    await recreateStream(connection, streamName, 1);
    await eventually(
      'the trigger to notice the recreated stream',
      () => runtime.logs({ team: 'reset', function: 'state' }).map((entry) => entry.message),
      (messages) => messages.some((message) => message.includes('was recreated')),
    );
    const recreated = await putRecords(connection, streamName, records(10, 'b'));
    await waitForSuccesses(team, before.length + recreated.length);

    await recreateStream(connection, streamName, 1);
    await runtime.upsertTeam({ ...team.team, connection: { ...connection, dynamodbEndpoint: 'http://127.0.0.1:2' } });
    expect(runtime.logs({ team: 'reset', function: 'state' }).some((entry) => entry.message.includes('team reset'))).toBe(true);
    const afterReset = await putRecords(connection, streamName, records(10, 'c'));
    const reports = await waitForSuccesses(team, before.length + recreated.length + afterReset.length);
    expect(successfulRecords(reports).sort(bySequence)).toEqual([...before, ...recreated, ...afterReset].sort(bySequence));
  });

  it('reads a split shard to its end before its children', async () => {
    let parentRecords: string[] = [];
    let childRecords: string[] = [];
    const team = await startTeam(
      'split',
      1,
      { 'state.ts': reportingHandler({ body: 'await new Promise((r) => setTimeout(r, 20));' }) },
      { functions: { state: { handler: 'state.ts', timeoutSeconds: 30 } }, triggers: [trigger('state', { batchSize: 10 })] },
      async (created) => {
        const streamName = created.team.resources.streamName;
        parentRecords = await putRecords(connection, streamName, records(60, 'parent'));
        await kinesisClient(connection).send(
          new SplitShardCommand({ StreamName: streamName, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 127n).toString() }),
        );
        await eventually(
          'the split',
          async () => (await kinesisClient(connection).send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [],
          (shards) => shards.length === 3 && shards.every((shard) => shard.ShardId),
        );
        childRecords = await putRecords(connection, streamName, records(60, 'child'));
      },
    );
    const reports = await waitForSuccesses(team, parentRecords.length + childRecords.length);
    const parent = reports.filter((report) => report.shardId === 'shardId-000000000000');
    const children = reports.filter((report) => report.shardId !== 'shardId-000000000000');
    expect(new Set(children.map((report) => report.shardId)).size).toBe(2);
    expect(successfulRecords(parent).sort(bySequence)).toEqual([...parentRecords].sort(bySequence));
    expect(successfulRecords(children).sort(bySequence)).toEqual([...childRecords].sort(bySequence));
    expect(Math.min(...children.map((report) => report.started))).toBeGreaterThanOrEqual(Math.max(...parent.map((report) => report.ended)));
    await eventually(
      'the parent to be finished',
      () => functionStatus('split', 'state').triggers[0]?.shards ?? [],
      (shards) => shards.some((shard) => shard.shardId === 'shardId-000000000000' && shard.state === 'finished'),
    );
  });
});
