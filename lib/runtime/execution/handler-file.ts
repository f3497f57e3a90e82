/**
 * A handler named in the wiring file must be a file inside its team's code folder: the wiring's
 * schema refuses absolute paths and `..`, and this checks the real path, so that a symbolic link
 * cannot lead a team's function to code elsewhere on the organiser's machine.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '@/lib/errors';

/** Why `handler` (relative to `codeDirectory`) may not be run; undefined when it may (or does not exist yet). */
export async function handlerFileProblem(codeDirectory: string, handler: string): Promise<string | undefined> {
  const file = path.resolve(codeDirectory, handler);
  const folder = await realpath(codeDirectory).catch(() => codeDirectory);
  let real: string;
  try {
    real = await realpath(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return `cannot read ${handler}: ${errorMessage(error)}`;
  }
  if (real.startsWith(folder + path.sep)) return undefined;
  return `${handler} leads outside the code folder ${folder} (to ${real}): a handler must be a file inside it`;
}
