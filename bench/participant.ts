/**
 * A participant's stack for the benchmark: `npm start -- --join <organiser> --token <token>
 * --pipeline solution` on this machine with its own free ports and data directory, for a remote team
 * the benchmark adds through the organiser API; ready once its agent is online.
 */
import path from 'node:path';
import { freePort } from '@/lib/local/ports';
import { type ManagedProcess, startNodeModule } from '@/lib/local/processes';
import { agentOnline } from '@/lib/store/agent-records';
import type { FigureContext } from './figure';
import type { FullStack } from './full-stack';
import { ROOT } from './local-stack';

export interface Participant {
  slug: string;
  process: ManagedProcess;
  /** Its function runtime (GET /status tells when its pipeline is idle). */
  runtimeUrl: string;
  /** Its WORKSHOP_DATA_DIR. */
  dataDirectory: string;
}

/** Adds remote team `room-<index>` and starts its participant stack; resolves once its agent is online. */
export async function startParticipant(stack: FullStack, index: number, context: FigureContext): Promise<Participant> {
  const slug = `room-${index}`;
  const { joinToken } = await stack.admin<{ joinToken: string }>('POST', 'teams', { kind: 'remote', slug, name: `Room ${index}` });
  let joined: () => void = () => undefined;
  const hasJoined = new Promise<void>((resolve) => {
    joined = resolve;
  });
  const runtimePort = await freePort();
  const dataDirectory = path.join(context.workDirectory, `participant-${index}`);
  const participant = startNodeModule(
    `participant-${index}`,
    path.join(ROOT, 'lib/local/start.ts'),
    ['--join', stack.webUrl, '--token', joinToken, '--pipeline', 'solution'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        KINESIS_PORT: String(await freePort()),
        RUNTIME_PORT: String(runtimePort),
        TEAM_PORT_BASE: String(await freePort()),
        WORKSHOP_DATA_DIR: dataDirectory,
      },
      logFile: path.join(context.workDirectory, `participant-${index}.log`),
      onLine: (line) => {
        if (line.includes('has joined the workshop')) joined();
      },
    },
  );
  const exited = participant.exited.then(() => Promise.reject(new Error(`participant ${index} exited:\n${participant.recentOutput()}`)));
  await Promise.race([hasJoined, exited]);
  await stack.waitUntil(async () => agentOnline((await stack.store.getTeam(slug)) ?? {}, Date.now()), 60_000, `the agent of ${slug}`, context.signal);
  return { slug, process: participant, runtimeUrl: `http://127.0.0.1:${runtimePort}`, dataDirectory };
}
