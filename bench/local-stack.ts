/**
 * The pipeline part of the local stack as `npm start` runs it, without the web app: kinesalite, one
 * DynamoDB Local per team (its tables created at start), and the function runtime as its own
 * process (lib/runtime/process/main.ts) running the reference solution. The benchmark process plays the
 * scheduler: it runs the rounds with the generator's library.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { TeamTarget } from '@/generator/round';
import { type Emulator, startKinesisEmulator, waitUntilReady } from '@/lib/local/emulators';
import { freePort } from '@/lib/local/ports';
import { commandLine, descendantsOf } from '@/lib/local/process-tree';
import { type ManagedProcess, startProcess } from '@/lib/local/processes';
import { RuntimeChannel } from '@/lib/local/runtime-channel';
import { type LocalTeamStack, startLocalTeam } from '@/lib/local/team-stack';
import type { RuntimeStatus } from '@/lib/runtime/runtime';
import type { WatchedProcess } from './proc';
import { runtimeStatus, waitUntilIdle } from './runtime-status';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOLUTION = path.join(ROOT, 'pipeline/solution');

export interface BenchTeam {
  slug: string;
  stack: LocalTeamStack;
  target: TeamTarget;
}

export interface LocalStackOptions {
  shardCount: number;
  logDirectory: string;
  /** Extra Node options for the runtime process, e.g. ["--cpu-prof", "--cpu-prof-dir=…"]. */
  runtimeNodeOptions?: string[];
}

export class LocalStack {
  readonly teams: BenchTeam[] = [];

  private constructor(
    private readonly options: LocalStackOptions,
    readonly kinesis: Emulator,
    readonly runtime: ManagedProcess,
    readonly runtimeUrl: string,
    private readonly channel: RuntimeChannel,
  ) {}

  /** Starts kinesalite and the runtime process (teams are added with `addTeams`). */
  static async start(options: LocalStackOptions): Promise<LocalStack> {
    const kinesis = await startKinesisEmulator('kinesis', { port: await freePort(), logFile: path.join(options.logDirectory, 'kinesis.log') });
    const port = await freePort();
    const nodeArguments = [...(options.runtimeNodeOptions ?? []), '--import', 'tsx', path.join(ROOT, 'lib/runtime/process/main.ts'), '--port', String(port)];
    const runtime = startProcess('runtime', process.execPath, nodeArguments, {
      cwd: ROOT,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      ipc: true,
      logFile: path.join(options.logDirectory, 'runtime.log'),
    });
    const runtimeUrl = `http://127.0.0.1:${port}`;
    await waitUntilReady(
      { process: runtime },
      async () => {
        const response = await fetch(`${runtimeUrl}/health`);
        if (!response.ok) throw new Error(`runtime answered ${response.status}`);
      },
      `the function runtime (port ${port})`,
    );
    return new LocalStack(options, kinesis, runtime, runtimeUrl, new RuntimeChannel(runtime.child));
  }

  /** Adds teams until there are `count`: each its DynamoDB Local, tables and stream, run by the runtime. */
  async addTeams(count: number): Promise<BenchTeam[]> {
    const added: BenchTeam[] = [];
    while (this.teams.length + added.length < count) {
      const slug = `bench-${this.teams.length + added.length + 1}`;
      const stack = await startLocalTeam({
        slug,
        port: await freePort(),
        kinesisEndpoint: this.kinesis.endpoint,
        shardCount: this.options.shardCount,
        logFile: path.join(this.options.logDirectory, `dynamodb-${slug}.log`),
      });
      added.push({ slug, stack, target: { connection: stack.connection, resources: stack.resources } });
    }
    for (const team of added) {
      await this.channel.upsertTeam({ slug: team.slug, connection: team.stack.connection, resources: team.stack.resources, codeDirectory: SOLUTION });
      this.teams.push(team);
    }
    await this.triggersRunning(added.map((team) => team.slug));
    return added;
  }

  status(): Promise<RuntimeStatus> {
    return runtimeStatus(this.runtimeUrl);
  }

  /** Waits until every trigger of these teams reads its stream (State starts at LATEST). */
  private async triggersRunning(slugs: readonly string[]): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const status = await this.status();
      const reading = slugs.every((slug) => {
        const triggers = Object.values(status.teams[slug]?.functions ?? {}).flatMap((fn) => fn?.triggers ?? []);
        return (
          triggers.length === 3 &&
          triggers.every((trigger) => trigger.state === 'running' && trigger.shards.length > 0 && trigger.shards.every((shard) => shard.state !== 'starting'))
        );
      });
      if (reading) return;
      if (Date.now() > deadline) throw new Error(`the runtime's triggers did not start for ${slugs.join(', ')}`);
      await sleep(200);
    }
  }

  /** Waits until every team's pipeline is idle (see runtime-status.ts). */
  settle(timeoutMs = 120_000): Promise<boolean> {
    return waitUntilIdle(this.runtimeUrl, timeoutMs);
  }

  /** The processes of this stack by name, with the benchmark process as the generator. */
  processes(): WatchedProcess[] {
    const watched: WatchedProcess[] = [
      { name: 'generator (bench)', pid: process.pid },
      { name: 'runtime', pid: this.runtime.pid! },
      { name: 'kinesalite', pid: this.kinesis.process.pid! },
    ];
    for (const team of this.teams) watched.push({ name: `dynamodb ${team.slug}`, pid: team.stack.dynamodb.process.pid! });
    for (const pid of descendantsOf(this.runtime.pid!)) {
      const args = commandLine(pid);
      if (args.some((arg) => arg.endsWith('sandbox.mjs'))) watched.push({ name: `sandbox ${args[args.indexOf('--team') + 1]}`, pid });
    }
    return watched;
  }

  async stop(): Promise<void> {
    await this.runtime.stop();
    await Promise.all(this.teams.map((team) => team.stack.stop()));
    await this.kinesis.process.stop();
  }
}
