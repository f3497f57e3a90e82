/**
 * The generator CLI as a user runs it (a child process): dry-run files, exit codes, and rounds
 * against a team (the reference solution run by the local runtime) reached by explicit emulator
 * settings or by its slug in the organiser store.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGGREGATION_KEYS } from '@/lib/domain/hierarchy';
import { parseMessage } from '@/lib/domain/message';
import { toCents } from '@/lib/domain/money';
import { expectedTotals } from '@/lib/domain/totals';
import { LOCAL_REGION } from '@/lib/local/emulators';
import { freePort } from '@/lib/local/ports';
import type { OrganiserStore } from '@/lib/store/organiser-store';
import { dynamoDbFixture, kinesisFixture, pipelineTeamFixture, runtimeFixture } from '@/testing/fixtures';
import { freshOrganiserStore, readyLocalTeam } from '@/testing/organiser-store';
import { REFERENCE_SOLUTION } from '@/testing/pipeline-team';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'generator/cli.ts'), ...args],
      { cwd: root, env: { ...process.env, ...env }, timeout: 480_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('dry run', () => {
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'generator-dry-run-'));
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('writes the records in send order and the exact expected totals; the same seed gives the same files', async () => {
    const first = await cli(['--dry-run', '--seed', '7', '--lab', '2', '--messages', '400', '--out', path.join(directory, 'a')]);
    const second = await cli(['--dry-run', '--seed', '7', '--lab', '2', '--messages', '400', '--out', path.join(directory, 'b')]);
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    const lines = (await readFile(path.join(directory, 'a', 'messages.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(400);
    const records = lines.map((line) => JSON.parse(line) as { Data: string; PartitionKey: string });
    expect(Object.keys(records[0] ?? {})).toEqual(['Data', 'PartitionKey']);
    const withoutTimestamp = (file: string) => file.replace(/\\"Timestamp\\":[0-9.]+/g, '').replace(/"PartitionKey":"[0-9a-f]{64}"/g, '');
    expect(withoutTimestamp(await readFile(path.join(directory, 'b', 'messages.jsonl'), 'utf8'))).toBe(withoutTimestamp(`${lines.join('\n')}\n`));
    expect(await readFile(path.join(directory, 'b', 'expected.json'), 'utf8')).toBe(await readFile(path.join(directory, 'a', 'expected.json'), 'utf8'));

    const expected = JSON.parse(await readFile(path.join(directory, 'a', 'expected.json'), 'utf8')) as {
      totals: Record<string, number>;
      counts: { messages: number; new: number; modifiedInOrder: number; modifiedOutOfOrder: number; duplicates: number };
    };
    expect(Object.keys(expected.totals)).toEqual([...AGGREGATION_KEYS]);
    const fromRecords = expectedTotals(records.map((record) => parseMessage(record.Data)));
    for (const key of AGGREGATION_KEYS) expect(toCents(expected.totals[key] ?? Number.NaN)).toBe(fromRecords[key]);
    expect(expected.counts).toMatchObject({ messages: 400, duplicates: 50 });
    expect(expected.counts.new + expected.counts.modifiedInOrder + expected.counts.modifiedOutOfOrder + expected.counts.duplicates).toBe(400);
  });

  it('writes byte-identical files with a fixed --timestamp', async () => {
    for (const name of ['c', 'd'])
      await cli(['--dry-run', '--seed', '3', '--lab', '1', '--messages', '50', '--timestamp', '1700000000.5', '--out', path.join(directory, name)]);
    expect(await readFile(path.join(directory, 'd', 'messages.jsonl'), 'utf8')).toBe(await readFile(path.join(directory, 'c', 'messages.jsonl'), 'utf8'));
  });

  it('exits 2 with a one-line reason on usage errors', async () => {
    for (const args of [['--lab', '3'], ['--dry-run'], [], ['--team', 'x', '--stream', 'y']]) {
      const result = await cli(args);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('rounds against a team running the reference solution', () => {
  const organiserDb = dynamoDbFixture();
  const kinesis = kinesisFixture();
  const runtime = runtimeFixture();
  const team = pipelineTeamFixture(runtime, kinesis, 'cli-team', { codeDirectory: REFERENCE_SOLUTION, shardCount: 2 });
  let store: OrganiserStore;

  beforeAll(async () => {
    store = await freshOrganiserStore(organiserDb(), 'WorkshopOrganiser');
    await store.createTeam(readyLocalTeam(team().stack, { name: 'CLI team' }));
  });

  /** Where the CLI finds teams by slug. */
  const organiserEnvironment = () => ({ ORGANISER_STORE_ENDPOINT: organiserDb().endpoint, ORGANISER_TABLE: store.tableName });

  const explicit = () => [
    '--dynamodb-endpoint',
    team().stack.connection.dynamodbEndpoint ?? '',
    '--kinesis-endpoint',
    team().stack.connection.kinesisEndpoint ?? '',
    '--region',
    LOCAL_REGION,
    '--stream',
    team().stack.resources.streamName,
  ];

  it('passes with explicit emulator settings and prints the verdict table (exit 0)', async () => {
    const result = await cli([...explicit(), '--messages', '500', '--deadline', '60', '--rounds', '2', '--seed', '1']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/round 2\/2 against cli-team-IncomingDataStream, seed 2, lab 1: 500 records/);
    expect(result.stdout).toMatch(/PV:FXSpot:EMEA/);
    expect(result.stdout.match(/PASSED: correct [0-9.]+ s after sending started/g)).toHaveLength(2);
  });

  it('finds a local team by its slug in the organiser store and prints JSON', async () => {
    const result = await cli(['--team', 'cli-team', '--messages', '300', '--deadline', '60', '--json'], organiserEnvironment());
    expect(result.code).toBe(0);
    const verdict = JSON.parse(result.stdout.trim()) as { status: string; team: string; keys: unknown[]; timeToCorrectMs: number };
    expect(verdict).toMatchObject({ status: 'passed', team: 'cli-team' });
    expect(verdict.keys).toHaveLength(18);
  });

  it('fails with a diagnosis when the AggregateTable does not exist (exit 1), and exits 2 when the stream is unreachable', async () => {
    const failed = await cli([...explicit(), '--aggregate-table', 'NoSuchTable', '--messages', '100', '--deadline', '2']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/FAILED \(missing-table, Lab 1\): Table NoSuchTable not found/);
    const unknownTeam = await cli(['--team', 'nobody'], organiserEnvironment());
    expect(unknownTeam.code).toBe(2);
    expect(unknownTeam.stderr).toMatch(/no team "nobody"/);
    const unreachable = await cli([...explicit(), '--kinesis-endpoint', `http://127.0.0.1:${await freePort()}`, '--messages', '50', '--deadline', '2']);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stdout).toMatch(/VOID: /);
  });
});
