/** Reading the function runtime's GET /status: per-team statistics, and whether every pipeline is idle. */
import type { RuntimeStatus } from '@/lib/runtime/runtime';
import { pipelineBusy } from '@/lib/runtime/status';
import { sleep } from './figure';

export async function runtimeStatus(runtimeUrl: string): Promise<RuntimeStatus> {
  const response = await fetch(`${runtimeUrl}/status`);
  if (!response.ok) throw new Error(`the runtime's /status answered ${response.status}`);
  return (await response.json()) as RuntimeStatus;
}

/**
 * Waits until every pipeline is idle twice in a row a second apart (what a slow round leaves
 * behind must not leak into the next measurement); false when it is still busy (or does not
 * answer) after the timeout.
 */
export async function waitUntilIdle(runtimeUrl: string, timeoutMs = 120_000, slugs?: readonly string[]): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let quietReads = 0;
  while (Date.now() < deadline) {
    // A read that fails (a kept-alive connection closed under the request on a loaded machine) counts as busy: read again.
    const status = await runtimeStatus(runtimeUrl).catch(() => null);
    quietReads = status === null || pipelineBusy(status, slugs) ? 0 : quietReads + 1;
    if (quietReads >= 2) return true;
    await sleep(1000);
  }
  return false;
}
