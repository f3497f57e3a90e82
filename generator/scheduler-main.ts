/**
 * Entry point of the round scheduler, started by the supervisor (`npm start`) as
 * `node --import tsx generator/scheduler-main.ts`. Configured by the environment (lib/config.ts):
 * ORGANISER_STORE_ENDPOINT (absent: the organiser store on AWS), ORGANISER_TABLE, AWS_REGION, the
 * round defaults ROUND_INTERVAL_SECONDS, ROUND_MESSAGES, ROUND_DEADLINE_SECONDS, and the lease's
 * SCHEDULER_LEASE_TTL_MS, and AGENT_STREAM_PORT (remote teams' agent streams, lib/agent-stream/). Exits on SIGTERM, SIGINT or when its parent's IPC channel closes, after
 * voiding its running rounds and releasing the lease.
 *
 * Watchdog: when a tick has run longer than the lease (something hangs despite every call's
 * deadline), the process says so and exits with code 3 at once, without the graceful stop (which
 * would wait on the same hung calls). Its supervisor (lib/local/supervisor.ts) restarts a scheduler
 * that exits, and the new process, once leader, voids the rounds this one left open. Exiting rather
 * than restarting the tick loop in place: a hung promise cannot be cancelled from outside, and a
 * fresh process also drops whatever state the hang left behind.
 */
import { storeIdentity } from '@/lib/agent-stream/frames';
import { AgentHub } from '@/lib/agent-stream/hub';
import { readConfig } from '@/lib/config';
import { ConfigError, errorMessage } from '@/lib/errors';
import { AgentRecords } from '@/lib/store/agent-records';
import { OrganiserStore } from '@/lib/store/organiser-store';
import { Scheduler } from './scheduler';

function log(line: string): void {
  console.log(`${new Date().toISOString()} ${line}`);
}

let config;
try {
  config = readConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`scheduler: ${error.message}`);
  process.exit(2);
}

const store = new OrganiserStore({ region: config.AWS_REGION, dynamodbEndpoint: config.ORGANISER_STORE_ENDPOINT }, config.ORGANISER_TABLE, {
  roundIntervalSeconds: config.ROUND_INTERVAL_SECONDS,
  roundMessages: config.ROUND_MESSAGES,
  roundDeadlineSeconds: config.ROUND_DEADLINE_SECONDS,
});
// Remote teams' agent streams, served while this scheduler leads; the web app passes them here (lib/agent-stream/).
const agentHub =
  config.AGENT_STREAM_PORT > 0
    ? new AgentHub({ store, records: new AgentRecords(store), leading: (): boolean => scheduler.isLeader, log, storeIdentity: storeIdentity(config) })
    : undefined;
const scheduler = new Scheduler({ store, log, leaseTtlMs: config.SCHEDULER_LEASE_TTL_MS, agentHub });
if (agentHub) {
  await agentHub.listen(config.AGENT_STREAM_PORT).then(
    (port) => log(`agent stream on 127.0.0.1:${port}`),
    (error: unknown) => log(`no agent stream (remote teams' agents use HTTP calls): 127.0.0.1:${config.AGENT_STREAM_PORT}: ${errorMessage(error)}`),
  );
}

let stopping = false;
async function shutdown(why: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`stopping (${why})`);
  await scheduler.stop();
  await agentHub?.close();
  log('stopped');
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
if (process.send) process.on('disconnect', () => void shutdown('the supervisor went away'));

log(
  `scheduler ${scheduler.holder} started (organiser store: ${config.ORGANISER_STORE_ENDPOINT ?? `AWS ${config.AWS_REGION}`}, table ${config.ORGANISER_TABLE})`,
);
scheduler.start();

const WATCHDOG_EXIT_CODE = 3;
const WATCHDOG_CHECK_MS = 1000;
setInterval(() => {
  const running = scheduler.tickRunningMs;
  if (stopping || running <= config.SCHEDULER_LEASE_TTL_MS) return;
  log(`watchdog: a tick has run for ${Math.round(running / 1000)} s, longer than the ${config.SCHEDULER_LEASE_TTL_MS / 1000} s lease: exiting to be restarted`);
  process.exit(WATCHDOG_EXIT_CODE);
}, WATCHDOG_CHECK_MS).unref();
