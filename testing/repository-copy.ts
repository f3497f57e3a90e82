/**
 * A copy of this repository as a participant would clone it, for tests that run a second stack from
 * it (room mode's participant): the files git tracks, and new files it does not ignore, copied from
 * the working tree into a temporary directory, with `node_modules` a symbolic link to this one's
 * (the participant's stack runs under tsx and has no Next.js build, which is what breaks on a link).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface RepositoryCopy {
  directory: string;
  /** Deletes the copy (not the node_modules it links to). */
  remove(): void;
}

export function copyRepository(root: string): RepositoryCopy {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'workshop-participant-'));
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  for (const file of listed.split('\0').filter(Boolean)) {
    const source = path.join(root, file);
    if (!existsSync(source)) continue;
    const target = path.join(directory, file);
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(source, target);
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(directory, 'node_modules'), 'dir');
  return { directory, remove: () => rmSync(directory, { recursive: true, force: true }) };
}
