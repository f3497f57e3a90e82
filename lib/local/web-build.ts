/**
 * Building the scoreboard only when needed: `next build` runs when there is no build yet or when
 * the web app's sources changed since the last one (a fingerprint of their paths, sizes and times).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const SOURCES = ['app', 'components', 'lib', 'public', 'next.config.js', 'postcss.config.mjs', 'package-lock.json', 'tsconfig.json'];
const FINGERPRINT_FILE = 'workshop-sources.sha256';

function collect(entry: string, into: string[]): void {
  if (!existsSync(entry)) return;
  const stats = statSync(entry);
  if (stats.isDirectory()) {
    for (const child of readdirSync(entry).sort()) collect(path.join(entry, child), into);
  } else if (!entry.endsWith('.test.ts')) {
    into.push(`${entry}:${stats.size}:${stats.mtimeMs}`);
  }
}

/** A fingerprint of the web app's sources under a repository root. */
export function sourceFingerprint(root: string): string {
  const lines: string[] = [];
  for (const source of SOURCES) collect(path.join(root, source), lines);
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** Whether `.next` holds a production build of the current sources. */
export function buildIsCurrent(root: string): boolean {
  const distDir = path.join(root, '.next');
  const stamp = path.join(distDir, FINGERPRINT_FILE);
  if (!existsSync(path.join(distDir, 'BUILD_ID')) || !existsSync(stamp)) return false;
  return readFileSync(stamp, 'utf8') === sourceFingerprint(root);
}

/** Records that `.next` was built from the current sources (call after a successful build). */
export function markBuildCurrent(root: string, fingerprint: string): void {
  writeFileSync(path.join(root, '.next', FINGERPRINT_FILE), fingerprint);
}
