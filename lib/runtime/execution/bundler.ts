/**
 * Builds a handler file into one ESM bundle with esbuild (node_modules such as the AWS SDK stay
 * external, as Lambda's runtime provides them), and reports every source file the bundle includes.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build, type Message } from 'esbuild';
import { errorMessage } from '@/lib/errors';

export type BundleResult = { ok: true; code: Uint8Array; hash: string; inputs: string[] } | { ok: false; message: string; inputs: string[] };

function formatMessage(message: Message, workingDirectory: string): string {
  const location = message.location;
  if (!location) return message.text;
  const file = path.relative(workingDirectory, path.resolve(workingDirectory, location.file)) || location.file;
  return `${file}:${location.line}:${location.column + 1}: ${message.text}\n    ${location.lineText}`;
}

/**
 * Bundles `entry` in memory for writing into `outputDirectory` (its inline source map points from
 * there to the sources); on failure the message lists each error with file, line and column.
 */
export async function bundleHandler(entry: string, outputDirectory: string): Promise<BundleResult> {
  const workingDirectory = path.dirname(entry);
  try {
    const result = await build({
      entryPoints: [entry],
      absWorkingDir: workingDirectory,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: 'inline',
      metafile: true,
      write: false,
      outfile: path.join(outputDirectory, 'bundle.mjs'),
      logLevel: 'silent',
    });
    const [output] = result.outputFiles;
    if (!output) return { ok: false, message: `esbuild wrote no bundle for ${entry}`, inputs: [entry] };
    const code = output.contents;
    return {
      ok: true,
      code,
      hash: createHash('sha256').update(code).digest('hex'),
      inputs: Object.keys(result.metafile.inputs).map((input) => path.resolve(workingDirectory, input)),
    };
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors;
    if (!errors) return { ok: false, message: errorMessage(error), inputs: [entry] };
    const inputs = errors.flatMap((message) => (message.location ? [path.resolve(workingDirectory, message.location.file)] : []));
    return { ok: false, message: errors.map((message) => formatMessage(message, workingDirectory)).join('\n'), inputs: [entry, ...inputs] };
  }
}

/** Writes a bundle where Node resolves its external packages from this repository's node_modules. */
export async function writeBundle(directory: string, name: string, code: Uint8Array): Promise<string> {
  await mkdir(directory, { recursive: true });
  const file = path.join(directory, name);
  await writeFile(file, code);
  return file;
}
