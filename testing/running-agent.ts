/**
 * A participant's agent (lib/agent/agent.ts) run by a test: its run's outcome as a value (null when
 * it ended, else what it threw), and a cleanup that stops it and waits for that outcome, so no agent
 * outlives its test.
 */
import type { Agent } from '@/lib/agent/agent';

export function runAgent(agent: Agent, cleanups: Array<() => unknown>): Promise<unknown> {
  const outcome = agent.run().then(
    () => null,
    (error: unknown) => error,
  );
  cleanups.push(async () => {
    agent.stop();
    await outcome;
  });
  return outcome;
}
