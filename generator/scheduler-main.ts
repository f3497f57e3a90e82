/**
 * Entry point of the round scheduler, started by the supervisor (`npm start`) as
 * `node --import tsx generator/scheduler-main.ts`. Configured by the environment (lib/config.ts):
 * ORGANISER_STORE_ENDPOINT (absent: the organiser store on AWS), ORGANISER_TABLE, AWS_REGION, the
 * round defaults ROUND_INTERVAL_SECONDS, ROUND_MESSAGES, ROUND_DEADLINE_SECONDS, and the lease's
 * SCHEDULER_LEASE_TTL_MS. Exits on SIGTERM, SIGINT or when its parent's IPC channel closes, after
 * voiding its running rounds and releasing the lease.
 */
import { ConfigError, readConfig } from '@/lib/config';
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
const scheduler = new Scheduler({ store, log, leaseTtlMs: config.SCHEDULER_LEASE_TTL_MS });

let stopping = false;
async function shutdown(why: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`stopping (${why})`);
  await scheduler.stop();
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
