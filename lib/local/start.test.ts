/**
 * `npm start` end to end: the whole stack reaches healthy and serves the web app; only the web app
 * listens beyond loopback, and only the web app and the scheduler know the organiser's secret; Ctrl-C
 * (SIGINT to the process group), or SIGTERM to npm alone, leaves no process behind (the teams'
 * sandboxes included); a taken port is reported. The join mode (`--join`, room mode's participant,
 * against a stand-in of the organiser's agent protocol) starts only the team's stack, on loopback
 * only, names the team and its page, stops cleanly, and stops with a clear line on a refused token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '@/testing/eventually';
import { OrganiserStandIn } from '@/testing/organiser-stand-in';
import { allStopped, killWorkshops, stackPorts, startWorkshop, untilOutput } from '@/testing/workshop';
import { commandLine, descendantsOf, environmentOf, isLoopback, listeningSockets, statFields } from './process-tree';

const SECRET = 'start-test-secret';
/** A variable of the host's that no child but the web app and the scheduler may inherit. */
const CANARY = `host-canary-${process.pid}`;
const dataDirectories: string[] = [];

async function stackEnvironment(): Promise<NodeJS.ProcessEnv> {
  const dataDirectory = mkdtempSync(path.join(os.tmpdir(), 'workshop-start-'));
  dataDirectories.push(dataDirectory);
  return {
    ...process.env,
    ...(await stackPorts()),
    WORKSHOP_DATA_DIR: dataDirectory,
    ORGANISER_SECRET: SECRET,
    HOST_CANARY: CANARY,
    ROUND_INTERVAL_SECONDS: '3600',
  };
}

async function startHealthyWorkshop() {
  const env = await stackEnvironment();
  const workshop = startWorkshop(env);
  await untilOutput(workshop, 'workshop is running', 400_000);
  return { ...workshop, env };
}

afterEach(() => {
  killWorkshops();
  for (const directory of dataDirectories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** What a process of the stack runs, by its command line (esbuild by whom it serves: tsx or the runtime's bundler). */
function roleOf(pid: number): string {
  const line = commandLine(pid).join(' ');
  if (line.includes('esbuild')) return `esbuild of the ${roleOf(Number(statFields(pid)?.[1]))}`;
  if (line.includes('lib/web/main.ts')) return 'web app';
  if (line.includes('scheduler-main.ts')) return 'scheduler';
  if (line.includes('lib/local/start.ts') || /\bnpm\b|^(\/bin\/)?sh /.test(line)) return 'supervisor';
  if (line.includes('sandbox.mjs')) return 'sandbox';
  if (line.includes('runtime/process/main.ts')) return 'runtime';
  if (line.includes('reaper.ts')) return 'reaper';
  if (line.includes('LoopbackDynamoDbLocal')) return 'DynamoDB Local';
  if (line.includes('kinesalite')) return 'kinesalite';
  return line;
}

describe('npm start', () => {
  it('reaches healthy, serves the web app, listens beyond loopback only on its port, keeps the secret to the web app and scheduler, and leaves no process after Ctrl-C', async () => {
    const { npm, env, output, exited } = await startHealthyWorkshop();
    expect(output()).toContain(`http://localhost:${env.PORT}`);
    const page = await fetch(`http://127.0.0.1:${env.PORT}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const health = await fetch(`http://127.0.0.1:${env.RUNTIME_PORT}/health`);
    expect(health.status).toBe(200);

    const descendants = descendantsOf(npm.pid!);
    expect(descendants.length).toBeGreaterThanOrEqual(6);
    const roles = new Map([npm.pid!, ...descendants].map((pid) => [pid, roleOf(pid)]));
    expect([...roles.values()].filter((role) => role === 'sandbox')).toHaveLength(2);

    const listeners = listeningSockets([...roles.keys()]).map((socket) => ({ ...socket, role: roles.get(socket.pid) }));
    expect(listeners.filter((socket) => socket.role === 'DynamoDB Local').length).toBeGreaterThanOrEqual(3);
    expect(listeners.some((socket) => socket.role === 'kinesalite' && socket.port === Number(env.KINESIS_PORT))).toBe(true);
    expect(listeners.filter((socket) => !isLoopback(socket.address) && socket.port !== Number(env.PORT))).toEqual([]);

    const knowing = [...roles].filter(([pid]) => {
      const environment = environmentOf(pid);
      return environment.ORGANISER_SECRET === SECRET || environment.HOST_CANARY === CANARY;
    });
    const mayKnow = ['supervisor', 'web app', 'scheduler'];
    expect(knowing.map(([, role]) => role).filter((role) => !mayKnow.some((known) => role === known || role === `esbuild of the ${known}`))).toEqual([]);
    expect([...roles.values()].filter((role) => role === 'esbuild of the runtime' || role === 'sandbox').length).toBeGreaterThan(0);

    process.kill(-npm.pid!, 'SIGINT');
    await exited;
    await allStopped(descendants);
  });

  it('notices when SIGTERM reaches only npm, and stops everything', async () => {
    const { npm } = await startHealthyWorkshop();
    const descendants = descendantsOf(npm.pid!);
    process.kill(npm.pid!, 'SIGTERM');
    await allStopped(descendants);
  });

  it('refuses to start when a port is taken, naming the port and the variable', async () => {
    const env = await stackEnvironment();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(Number(env.KINESIS_PORT), '0.0.0.0', resolve));
    try {
      const workshop = startWorkshop(env);
      expect(await workshop.exited).toBe(1);
      expect(workshop.output()).toContain(`port ${env.KINESIS_PORT} (KINESIS_PORT) is already in use`);
    } finally {
      blocker.close();
    }
  });
});

describe('npm start -- --join (room mode, the participant)', () => {
  const TOKEN = `wsj_${'b'.repeat(43)}`;
  const TEAM = { slug: 'blue-whales', name: 'Blue Whales' };

  it("starts only the team's stack on loopback, names the team and its page, runs a round, and leaves no process after Ctrl-C", async () => {
    const organiser = await OrganiserStandIn.start(TOKEN, TEAM);
    try {
      const env = await stackEnvironment();
      const workshop = startWorkshop(env, ['--join', organiser.url, '--token', TOKEN, '--pipeline', 'solution']);
      await untilOutput(workshop, 'has joined the workshop', 300_000);
      const output = workshop.output();
      expect(output).toContain('Blue Whales (blue-whales)');
      expect(output).toContain(`${organiser.url}/teams/blue-whales`);
      expect(output).toContain('pipeline/solution/');

      const descendants = descendantsOf(workshop.npm.pid!);
      const roles = new Map([workshop.npm.pid!, ...descendants].map((pid) => [pid, roleOf(pid)]));
      expect([...roles.values()].filter((role) => ['web app', 'scheduler'].includes(role))).toEqual([]);
      expect([...roles.values()].filter((role) => role === 'DynamoDB Local')).toHaveLength(1);
      const listeners = listeningSockets([...roles.keys()]).map((socket) => ({ ...socket, role: roles.get(socket.pid) }));
      expect(listeners.some((socket) => socket.role === 'kinesalite' && socket.port === Number(env.KINESIS_PORT))).toBe(true);
      expect(listeners.some((socket) => socket.role === 'runtime' && socket.port === Number(env.RUNTIME_PORT))).toBe(true);
      expect(listeners.filter((socket) => !isLoopback(socket.address))).toEqual([]);

      organiser.offer({ number: 1, lab: 1, seed: 99, messages: 200 });
      const sent = await eventually('round 1 sent', () => organiser.rounds.get(1)?.sent, { timeoutMs: 120_000 });
      expect(sent).toMatchObject({ acknowledged: 200 });
      await eventually('a table upload counting the round', () => organiser.tables.at(-1)?.values.message_count === '200', { timeoutMs: 120_000 });

      process.kill(-workshop.npm.pid!, 'SIGINT');
      await workshop.exited;
      await allStopped(descendants);
    } finally {
      await organiser.stop();
    }
  });

  it('stops with a clear message when the organiser refuses the token, and exits 2 on a malformed one', async () => {
    const organiser = await OrganiserStandIn.start(TOKEN, TEAM);
    try {
      organiser.refuseToken = true;
      const env = await stackEnvironment();
      const refused = startWorkshop(env, ['--join', organiser.url, '--token', TOKEN]);
      expect(await refused.exited).toBe(1);
      expect(refused.output()).toContain("refused this join token (this join token is not valid): ask the organiser for your team's current join command");

      const malformed = startWorkshop(env, ['--join', organiser.url, '--token', 'not-a-token']);
      expect(await malformed.exited).toBe(2);
      expect(malformed.output()).toContain('--token is not a join token');
    } finally {
      await organiser.stop();
    }
  });
});
