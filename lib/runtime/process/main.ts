/**
 * The local runtime as a process, started by the supervisor with an IPC channel:
 * `node --import tsx lib/runtime/process/main.ts --port <port>`. IPC in: `{type:'upsert-team', id, team}`,
 * `{type:'remove-team', id, slug}`; out: `{type:'done', id, error?}`. Serves HTTP (see http-server.ts).
 * Exits when its parent goes away (IPC disconnect) and on SIGTERM/SIGINT, stopping cleanly.
 */
import { Command } from 'commander';
import { z } from 'zod';
import { parsePort } from '@/lib/local/ports';
import { killAllProcessesNow } from '@/lib/local/processes';
import type { PipelineResources } from '@/lib/pipeline-resources';
import { LocalRuntime, type RuntimeTeam } from '../runtime';
import { createRuntimeServer } from './http-server';

const STOP_GRACE_MS = 10_000;

const name = z.string().min(1);

/** What the supervisor sends for a team: exactly a RuntimeTeam (the compiler checks the two agree). */
const teamSchema = z.object({
  slug: z.string().min(1),
  connection: z.object({
    region: z.string().min(1),
    dynamodbEndpoint: z.string().url().optional(),
    kinesisEndpoint: z.string().url().optional(),
    roleArn: z.string().optional(),
    externalId: z.string().optional(),
  }),
  resources: z.object({
    streamName: name,
    stateTable: name,
    reduceTable: name,
    aggregateTable: name,
    parameterTable: name,
  } satisfies Record<keyof PipelineResources, z.ZodType<string>>),
  codeDirectory: z.string().min(1),
  environment: z.record(z.string(), z.string()).optional(),
}) satisfies z.ZodType<RuntimeTeam>;

const messageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('upsert-team'), id: z.union([z.string(), z.number()]), team: teamSchema }),
  z.object({ type: z.literal('remove-team'), id: z.union([z.string(), z.number()]), slug: z.string().min(1) }),
]);

const options = new Command()
  .name('local-runtime')
  .description("Runs local teams' pipeline handlers from their streams, as AWS Lambda triggers do")
  .requiredOption('--port <port>', 'HTTP port for /health, /logs and /status', parsePort)
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .parse()
  .opts<{ port: number; host: string }>();

const runtime = new LocalRuntime();
const server = createRuntimeServer(runtime);
let stopping: Promise<void> | undefined;

function shutdown(reason: string, code = 0): Promise<void> {
  stopping ??= (async () => {
    process.stderr.write(`local runtime stopping (${reason})\n`);
    const forced = setTimeout(() => process.exit(code || 1), STOP_GRACE_MS).unref();
    server.close();
    server.closeAllConnections();
    await runtime.stop().catch((error: Error) => process.stderr.write(`error while stopping: ${error.message}\n`));
    clearTimeout(forced);
    process.exit(code);
  })();
  return stopping;
}

server.on('error', (error: NodeJS.ErrnoException) => {
  const reason = error.code === 'EADDRINUSE' ? `port ${options.port} is already in use` : error.message;
  process.stderr.write(`local runtime cannot listen on ${options.host}:${options.port}: ${reason}\n`);
  void shutdown('listen failed', 1);
});

server.listen(options.port, options.host, () => {
  process.stderr.write(`local runtime listening on http://${options.host}:${options.port}\n`);
});

function reply(message: { type: 'done'; id: unknown; error?: string }): void {
  if (process.connected) process.send?.(message);
}

process.on('message', (raw: unknown) => {
  const parsed = messageSchema.safeParse(raw);
  if (!parsed.success) {
    const id = (raw as { id?: unknown } | null)?.id;
    reply({ type: 'done', id, error: `bad message: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}` });
    return;
  }
  const message = parsed.data;
  const work = message.type === 'upsert-team' ? runtime.upsertTeam(message.team as RuntimeTeam) : runtime.removeTeam(message.slug);
  work.then(
    () => reply({ type: 'done', id: message.id }),
    (error: Error) => reply({ type: 'done', id: message.id, error: error.message }),
  );
});

process.on('disconnect', () => void shutdown('parent disconnected'));
process.on('exit', () => killAllProcessesNow());
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
