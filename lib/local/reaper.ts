/**
 * The reaper: a tiny detached process that kills registered process groups when its owner dies,
 * however it dies (even SIGKILL). The owner writes "+<pgid>" / "-<pgid>" lines to our stdin;
 * when stdin closes, every group still registered gets SIGTERM, then SIGKILL.
 */
import { createInterface } from 'node:readline';

const groups = new Set<number>();

function signalAll(signal: NodeJS.Signals): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, signal);
    } catch {
      groups.delete(pgid);
    }
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const pgid = Number(line.slice(1));
  if (!Number.isInteger(pgid) || pgid <= 1) return;
  if (line.startsWith('+')) groups.add(pgid);
  else if (line.startsWith('-')) groups.delete(pgid);
});
lines.on('close', () => {
  signalAll('SIGTERM');
  setTimeout(
    () => {
      signalAll('SIGKILL');
      process.exit(0);
    },
    groups.size ? 3000 : 0,
  );
});
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
