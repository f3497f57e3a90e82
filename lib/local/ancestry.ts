/**
 * Noticing that we have been orphaned: `npm start` runs us under `sh -c`, and a SIGTERM sent only
 * to npm does not reach us. We remember our chain of ancestors at start and shut down when any
 * of them goes away or is re-parented.
 */
import { execFileSync } from 'node:child_process';
import { statFields } from './process-tree';

function parentOf(pid: number): number | null {
  const fields = statFields(pid);
  if (fields) return Number(fields[1]);
  try {
    const output = execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return output ? Number(output) : null;
  } catch {
    return null;
  }
}

/** Our ancestors, nearest first, up to (not including) the init process. */
export function ancestorChain(pid: number = process.pid): number[] {
  const chain: number[] = [];
  let current = parentOf(pid);
  while (current !== null && current > 1 && chain.length < 64) {
    chain.push(current);
    current = parentOf(current);
  }
  return chain;
}

/** Calls `onOrphaned` once when the ancestor chain changes. Returns a function that stops watching. */
export function watchForOrphaning(onOrphaned: () => void, intervalMs = 500): () => void {
  const initial = ancestorChain().join(',');
  const timer = setInterval(() => {
    if (ancestorChain().join(',') !== initial) {
      clearInterval(timer);
      onOrphaned();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
