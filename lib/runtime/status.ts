/**
 * Reading the function runtime's status (`GET /status`, LocalRuntime.status()): whether pipelines
 * are at work, and how many messages a team's State function has processed. For the benchmarks and
 * the supervisor's capacity meter, which read it from outside the runtime's process.
 */
import type { RuntimeStatus } from './runtime';

/** Whether any invocation runs or any record waits in a shard (read but not yet delivered), for some teams or all. */
export function pipelineBusy(status: RuntimeStatus, slugs?: readonly string[]): boolean {
  const teams = Object.values(status.teams).filter((team) => !slugs || slugs.includes(team.slug));
  return teams.some((team) =>
    Object.values(team.functions).some(
      (fn) => (fn?.running ?? 0) > 0 || (fn?.triggers ?? []).some((trigger) => trigger.shards.some((shard) => 'pending' in shard && shard.pending > 0)),
    ),
  );
}

/** Messages each team's State function has processed (records in invocations that succeeded), by slug. */
export function processedMessages(status: RuntimeStatus): Map<string, number> {
  return new Map(Object.values(status.teams).map((team) => [team.slug, team.functions.state?.stats.records ?? 0]));
}
