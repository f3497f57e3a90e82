/**
 * The runtime as the supervisor runs it: a child process driven over IPC, serving /health, /logs and
 * /status, read by the logs CLI, and exiting when its parent's IPC channel goes away or on SIGTERM.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_REGION } from '@/lib/local/emulators';
import { freePort } from '@/lib/local/ports';
import { isAlive } from '@/lib/local/process-tree';
import { type ManagedProcess, startNodeModule } from '@/lib/local/processes';
import { type Emulator, startKinesis } from '@/testing/emulators';
import { eventually } from '@/testing/eventually';
import type { LogEntry } from '../logs/log-entry';
import type { RuntimeStatus } from '../runtime';
import { createTestTeam, putRecords, reportingHandler, type TestTeam } from '../test-kit';

const run = promisify(execFile);
const repository = path.resolve(import.meta.dirname, '../../..');

let kinesis: Emulator;
let team: TestTeam;

beforeAll(async () => {
  kinesis = await startKinesis('kinesis-runtime-process-test');
  team = await createTestTeam(
    'ipc-team',
    { region: LOCAL_REGION, kinesisEndpoint: kinesis.endpoint },
    1,
    { 'state.ts': reportingHandler({ body: "console.log('handled', event.Records.length);" }) },
    {
      functions: { state: { handler: 'state.ts', timeoutSeconds: 30 } },
      triggers: [
        {
          function: 'state',
          source: 'IncomingDataStream',
          batchSize: 100,
          startingPosition: 'TRIM_HORIZON',
          maximumBatchingWindowInSeconds: 0,
          maximumRetryAttempts: -1,
        },
      ],
    },
  );
});

afterAll(async () => {
  await kinesis?.process.stop();
  team?.remove();
});

async function startRuntime(): Promise<{ runtime: ManagedProcess; url: string }> {
  const port = await freePort();
  const runtime = startNodeModule('runtime-under-test', path.join(repository, 'lib/runtime/process/main.ts'), ['--port', String(port)], {
    ipc: true,
    cwd: repository,
  });
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    'the runtime to answer /health',
    async () => (await fetch(`${url}/health`)).status,
    (status) => status === 200,
  );
  return { runtime, url };
}

function request(runtime: ManagedProcess, message: Record<string, unknown>): Promise<{ type: string; id: unknown; error?: string }> {
  return new Promise((resolve) => {
    const listener = (reply: { type: string; id: unknown; error?: string }) => {
      if (reply.id !== message.id) return;
      runtime.child.off('message', listener);
      resolve(reply);
    };
    runtime.child.on('message', listener);
    runtime.child.send(message);
  });
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T };
}

async function logsCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'lib/runtime/logs/logs-cli.ts', ...args], { cwd: repository });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('runtime process', () => {
  it('takes teams over IPC, serves health, logs and status, and exits when its parent disconnects', async () => {
    const { runtime, url } = await startRuntime();
    try {
      expect(await getJson(`${url}/health`)).toEqual({ status: 200, body: { ok: true } });
      expect(await request(runtime, { type: 'upsert-team', id: 1, team: team.team })).toEqual({ type: 'done', id: 1 });
      const bad = await request(runtime, { type: 'upsert-team', id: 2, team: { slug: 'x' } });
      expect(bad.error).toMatch(/bad message/);

      await putRecords(team.team.connection, team.team.resources.streamName, [{ data: 'hello', partitionKey: 'k' }]);
      const entries = await eventually(
        'the invocation logs',
        async () => (await getJson<{ entries: LogEntry[] }>(`${url}/logs?team=ipc-team&function=state`)).body.entries,
        (logged) => logged.some((entry) => entry.kind === 'end'),
      );
      expect(entries.map((entry) => entry.kind)).toEqual(expect.arrayContaining(['system', 'start', 'output', 'end']));
      expect(entries.find((entry) => entry.kind === 'output')).toMatchObject({ function: 'state', team: 'ipc-team', message: 'handled 1' });
      const last = entries.at(-1)?.id;
      expect((await getJson<{ entries: LogEntry[] }>(`${url}/logs?team=ipc-team&after=${last}`)).body.entries).toEqual([]);

      expect((await getJson(`${url}/logs?team=nobody`)).status).toBe(404);
      expect(await getJson(`${url}/logs`)).toMatchObject({ status: 400, body: { error: expect.stringContaining('team') } });
      expect(await getJson(`${url}/logs?team=ipc-team&function=lambda`)).toMatchObject({ status: 400 });
      expect(await getJson(`${url}/logs?team=ipc-team&limit=-1`)).toMatchObject({ status: 400 });

      const { body: status } = await getJson<RuntimeStatus>(`${url}/status`);
      expect(status.teams['ipc-team']?.functions.state).toMatchObject({ code: { state: 'ready' }, stats: { invocations: 1, records: 1, errors: 0 } });
      expect(status.teams['ipc-team']?.functions.state?.triggers[0]?.shards[0]).toMatchObject({
        shardId: 'shardId-000000000000',
        checkpoint: expect.any(String),
      });

      const cli = await logsCli(['--team', 'ipc-team', '--function', 'state', '--url', url]);
      expect(cli.code).toBe(0);
      expect(cli.stdout).toMatch(/state .* handled 1/);
      expect(cli.stdout).toMatch(/END success/);
      const unknown = await logsCli(['--team', 'nobody', '--url', url]);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr.trim().split('\n')).toHaveLength(1);

      expect(await request(runtime, { type: 'remove-team', id: 3, slug: 'ipc-team' })).toEqual({ type: 'done', id: 3 });
      expect((await getJson(`${url}/logs?team=ipc-team`)).status).toBe(404);

      runtime.child.disconnect();
      expect(await runtime.exited).toEqual({ code: 0, signal: null });
    } finally {
      await runtime.stop();
    }
  });

  it("takes its teams' sandboxes with it when it is killed", async () => {
    const { runtime, url } = await startRuntime();
    try {
      expect(await request(runtime, { type: 'upsert-team', id: 1, team: team.team })).toEqual({ type: 'done', id: 1 });
      const sandbox = (await getJson<RuntimeStatus>(`${url}/status`)).body.teams['ipc-team']?.sandbox.pid;
      expect(sandbox && isAlive(sandbox)).toBe(true);
      runtime.child.kill('SIGKILL');
      await runtime.exited;
      await eventually('the sandbox to be reaped', () => !isAlive(sandbox!));
    } finally {
      await runtime.stop();
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    const { runtime } = await startRuntime();
    try {
      expect(await request(runtime, { type: 'upsert-team', id: 1, team: team.team })).toEqual({ type: 'done', id: 1 });
      runtime.child.kill('SIGTERM');
      expect(await runtime.exited).toEqual({ code: 0, signal: null });
    } finally {
      await runtime.stop();
    }
  });

  it('logs CLI exits 2 with one line when the runtime is unreachable', async () => {
    const result = await logsCli(['--team', 'my-team', '--url', `http://127.0.0.1:${await freePort()}`]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^cannot reach the local runtime at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });
});
