/**
 * The whole workshop as `npm start` runs it (lib/local/start.ts: supervisor, organiser store,
 * kinesalite, runtime, teams' DynamoDB Locals, scheduler, web app) on free ports with a fresh data
 * directory; driven through the organiser API, read through the organiser store, and its processes
 * found in /proc for CPU and memory.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { LOCAL_REGION, waitUntilReady } from '@/lib/local/emulators';
import { freePort } from '@/lib/local/ports';
import { commandLine, descendantsOf } from '@/lib/local/process-tree';
import { type ManagedProcess, startNodeModule } from '@/lib/local/processes';
import { OrganiserStore } from '@/lib/store/organiser-store';
import type { LocalPipeline, Round, Team } from '@/lib/store/types';
import { sleep } from './figure';
import { ROOT } from './local-stack';
import type { WatchedProcess } from './proc';
import { waitUntilIdle } from './runtime-status';

const ORGANISER_TABLE = 'WorkshopOrganiser';

export interface FullStackOptions {
  workDirectory: string;
  roundMessages: number;
  roundIntervalSeconds: number;
  roundDeadlineSeconds: number;
  log: (line: string) => void;
}

export interface StackPorts {
  web: number;
  kinesis: number;
  organiserStore: number;
  runtime: number;
  teamBase: number;
  agentStream: number;
}

/** A team the benchmark wants, by slug and pipeline. */
export interface WantedTeam {
  slug: string;
  pipeline: LocalPipeline;
}

export class FullStack {
  readonly webUrl: string;
  readonly store: OrganiserStore;
  /** The stack's WORKSHOP_DATA_DIR. */
  readonly dataDirectory: string;

  private constructor(
    readonly supervisor: ManagedProcess,
    readonly ports: StackPorts,
    private readonly secret: string,
    readonly startupMs: number,
    dataDirectory: string,
  ) {
    this.webUrl = `http://127.0.0.1:${ports.web}`;
    this.dataDirectory = dataDirectory;
    this.store = new OrganiserStore({ region: LOCAL_REGION, dynamodbEndpoint: `http://127.0.0.1:${ports.organiserStore}` }, ORGANISER_TABLE, {
      roundIntervalSeconds: 60,
      roundMessages: 10_000,
      roundDeadlineSeconds: 30,
    });
  }

  /** Starts `npm start`'s supervisor and waits until the scoreboard answers (a web build may come first). */
  static async start(options: FullStackOptions): Promise<FullStack> {
    const ports: StackPorts = {
      web: await freePort(),
      kinesis: await freePort(),
      organiserStore: await freePort(),
      runtime: await freePort(),
      teamBase: await freePort(),
      agentStream: await freePort(),
    };
    const secret = randomBytes(12).toString('base64url');
    const dataDirectory = path.join(options.workDirectory, 'workshop');
    mkdirSync(dataDirectory, { recursive: true });
    const started = performance.now();
    const supervisor = startNodeModule('workshop', path.join(ROOT, 'lib/local/start.ts'), [], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(ports.web),
        KINESIS_PORT: String(ports.kinesis),
        ORGANISER_STORE_PORT: String(ports.organiserStore),
        RUNTIME_PORT: String(ports.runtime),
        TEAM_PORT_BASE: String(ports.teamBase),
        AGENT_STREAM_PORT: String(ports.agentStream),
        WORKSHOP_DATA_DIR: dataDirectory,
        ORGANISER_SECRET: secret,
        ORGANISER_TABLE,
        ROUND_MESSAGES: String(options.roundMessages),
        ROUND_INTERVAL_SECONDS: String(options.roundIntervalSeconds),
        ROUND_DEADLINE_SECONDS: String(options.roundDeadlineSeconds),
        NEXT_TELEMETRY_DISABLED: '1',
      },
      logFile: path.join(options.workDirectory, 'npm-start.log'),
      onLine: (line) => {
        if (line.includes('building the web app')) options.log('  npm start is building the web app first (its sources changed since the last build)…');
      },
    });
    await waitUntilReady(
      { process: supervisor },
      async () => {
        const response = await fetch(`http://127.0.0.1:${ports.web}/api/scoreboard`, { signal: AbortSignal.timeout(5000) });
        if (!response.ok) throw new Error(`the scoreboard answered ${response.status}`);
      },
      'npm start (the scoreboard)',
      15 * 60_000,
    );
    return new FullStack(supervisor, ports, secret, Math.round(performance.now() - started), dataDirectory);
  }

  /** Calls the organiser API; throws with the server's sentence on an error status. */
  async admin<T = unknown>(method: string, apiPath: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.webUrl}/api/admin/${apiPath}`, {
      method,
      headers: { authorization: `Bearer ${this.secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = (await response.json().catch(() => null)) as (T & { error?: string }) | null;
    if (!response.ok) throw new Error(`${method} /api/admin/${apiPath} answered ${response.status}: ${answer?.error ?? ''}`);
    return answer as T;
  }

  /**
   * Makes the stack's teams exactly these (deleting the others, adding the missing ones), pauses the
   * timer and waits until every wanted team's resources are ready and no round runs. Teams are
   * deleted only once no round runs: a team deleted during its round (the first round `npm start`
   * begins at once) left that round marked running in the store, and the wait below timed out.
   */
  async setTeams(wanted: readonly WantedTeam[], labOverride: 1 | 2 | null): Promise<void> {
    await this.admin('PATCH', 'settings', { paused: true });
    await this.waitUntil(async () => (await this.store.listRunningRounds()).length === 0, 180_000, 'the rounds running to close');
    const existing = await this.store.listTeams();
    for (const team of existing) {
      const wish = wanted.find((candidate) => candidate.slug === team.slug);
      if (!wish || team.local?.pipeline !== wish.pipeline) await this.admin('DELETE', `teams/${team.slug}`);
    }
    const kept = new Set((await this.store.listTeams()).map((team) => team.slug));
    for (const team of wanted) {
      if (!kept.has(team.slug)) await this.admin('POST', 'teams', { kind: 'local', slug: team.slug, name: team.slug, pipeline: team.pipeline });
      await this.admin('PATCH', `teams/${team.slug}`, { labOverride });
    }
    await this.waitUntil(
      async () => {
        const teams = await this.store.listTeams();
        const ready = wanted.every((wish) => teams.find((team) => team.slug === wish.slug)?.local?.status === 'ready');
        return ready && teams.length === wanted.length && (await this.store.listRunningRounds()).length === 0;
      },
      180_000,
      'the teams to be ready with no round running',
    );
  }

  /** One round for every team (JVMs compile their hot paths), waited for until the pipelines are idle again. */
  async warmUp(signal?: AbortSignal): Promise<Round[]> {
    const teams = (await this.teams()).map((team) => team.slug);
    const before = new Map<string, number>();
    for (const slug of teams) before.set(slug, (await this.rounds(slug)).at(-1)?.number ?? 0);
    await this.admin('POST', 'rounds', {});
    const closed: Round[] = [];
    await this.waitUntil(
      async () => {
        closed.length = 0;
        for (const slug of teams) {
          const round = (await this.store.listRounds(slug, { after: before.get(slug) })).find((candidate) => candidate.status !== 'running');
          if (round) closed.push(round);
        }
        return closed.length === teams.length;
      },
      180_000,
      'the warm-up rounds',
      signal,
    );
    await this.settle(signal);
    return closed;
  }

  async waitUntil(condition: () => Promise<boolean>, timeoutMs: number, what: string, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (signal?.aborted) throw new Error('interrupted');
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      if (!this.supervisor.running) throw new Error(`npm start exited:\n${this.supervisor.recentOutput()}`);
      await sleep(500, signal);
    }
  }

  async teams(): Promise<Team[]> {
    return this.store.listTeams();
  }

  /** A team's closed and running rounds, oldest first. */
  async rounds(slug: string): Promise<Round[]> {
    return (await this.store.listRounds(slug)).reverse();
  }

  get runtimeUrl(): string {
    return `http://127.0.0.1:${this.ports.runtime}`;
  }

  /** Waits until no round runs and every team's pipeline is idle. */
  async settle(signal?: AbortSignal): Promise<void> {
    await this.waitUntil(async () => (await this.store.listRunningRounds()).length === 0, 180_000, 'running rounds to end', signal);
    if (!(await waitUntilIdle(this.runtimeUrl))) throw new Error('the pipelines were still busy 2 minutes after the last round');
  }

  async metrics(): Promise<{ snapshotBuilds: number; aggregateScans: number; roundQueries: number; lastBuildMs: number | null }> {
    const response = await fetch(`${this.webUrl}/api/metrics`);
    if (!response.ok) throw new Error(`/api/metrics answered ${response.status}`);
    return (await response.json()) as { snapshotBuilds: number; aggregateScans: number; roundQueries: number; lastBuildMs: number | null };
  }

  /** Every process of the stack (the supervisor and all below it), named by what it runs (teams: as read from the store now, unless given). */
  async processes(teams?: readonly Team[]): Promise<WatchedProcess[]> {
    const teamsByPort = new Map<number, string>();
    for (const team of teams ?? (await this.teams())) {
      const port = team.connection.dynamodbEndpoint ? Number(new URL(team.connection.dynamodbEndpoint).port) : 0;
      if (port) teamsByPort.set(port, team.slug);
    }
    return stackProcesses(this.supervisor.pid!, 'supervisor (npm start)', (port) =>
      port === this.ports.organiserStore ? 'organiser store (DynamoDB Local)' : `dynamodb ${teamsByPort.get(port) ?? `:${port}`}`,
    );
  }

  async stop(): Promise<void> {
    await this.supervisor.stop(25_000);
  }
}

/**
 * A stack's processes (`root` and every live process below it), named by what each runs: the root
 * as `rootName`, each DynamoDB Local by `dynamoDbName(its port)`; names that repeat get their pid.
 */
export function stackProcesses(root: number, rootName: string, dynamoDbName: (port: number) => string): WatchedProcess[] {
  const named = [root, ...descendantsOf(root)].map((pid) => ({ pid, name: pid === root ? rootName : processName(commandLine(pid), dynamoDbName) }));
  const counts = new Map<string, number>();
  for (const { name } of named) counts.set(name, (counts.get(name) ?? 0) + 1);
  return named.filter(({ name }) => name !== 'gone').map(({ pid, name }) => ({ pid, name: (counts.get(name) ?? 0) > 1 ? `${name} (${pid})` : name }));
}

function processName(args: readonly string[], dynamoDbName: (port: number) => string): string {
  const [command] = args;
  if (command === undefined) return 'gone';
  const line = args.join(' ');
  if (line.includes('DynamoDBLocal.jar')) return dynamoDbName(Number(args[args.indexOf('-port') + 1]));
  if (line.includes('kinesalite')) return 'kinesalite';
  if (line.includes('lib/runtime/process/main.ts')) return 'runtime';
  if (args.some((arg) => arg.endsWith('sandbox.mjs'))) return `sandbox ${args[args.indexOf('--team') + 1]}`;
  if (line.includes('scheduler-main.ts')) return 'scheduler';
  if (line.includes('reaper.ts')) return 'reaper';
  if (line.includes('esbuild')) return 'esbuild';
  if (line.includes('lib/web/main.ts')) return 'web';
  return path.basename(command);
}
