/**
 * Helpers for the game-fidelity tests: code directories mixing starting and solution handlers, and
 * what the chosen seeds guarantee (stale messages far behind their newer version, seeded failures).
 * Teams on the runtime and rounds judged once idle come from the test toolkit (testing/).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StreamRecord } from '../../generator/messages';
import { parseMessage } from '../../lib/domain/message';
import { PIPELINE_FUNCTIONS, type PipelineFunction } from '../../lib/pipeline-resources';
import { WIRING_FILE } from '../../lib/runtime/wiring';
import { failsAfterWrite, seededRandom } from '../shared/failure-injection';

const pipelineRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Which folder each handler file, and the wiring file, comes from. */
export type Variant = 'handlers' | 'solution';
export interface PipelineChoice {
  wiring: Variant;
  state: Variant;
  map: Variant;
  reduce: Variant;
}

/**
 * A temporary code directory: triggers.json copied from the chosen folder, and one file per handler
 * that re-exports the real handler by absolute path (so the tests always run the repository's files).
 */
export function mixedCodeDirectory(choice: PipelineChoice): { directory: string; remove(): void } {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'fidelity-pipeline-'));
  writeFileSync(path.join(directory, WIRING_FILE), readFileSync(path.join(pipelineRoot, choice.wiring, WIRING_FILE)));
  for (const fn of PIPELINE_FUNCTIONS) {
    const real = path.join(pipelineRoot, choice[fn], `${fn}.ts`);
    writeFileSync(path.join(directory, `${fn}.ts`), `export { handler } from ${JSON.stringify(real)};\n`);
  }
  return { directory, remove: () => rmSync(directory, { recursive: true, force: true }) };
}

/**
 * The largest distance, in records sent, from the newer version of a trade to a stale (out-of-order)
 * message of that trade sent after it; 0 when the round has no stale message.
 */
export function largestStaleGap(records: readonly StreamRecord[]): number {
  const newest = new Map<string, { version: number; index: number }>();
  let gap = 0;
  records.forEach((record, index) => {
    const message = parseMessage(record.Data);
    const known = newest.get(message.TradeID);
    if (!known || message.Version > known.version) newest.set(message.TradeID, { version: message.Version, index });
    else if (message.Version < known.version) gap = Math.max(gap, index - known.index);
  });
  return gap;
}

/** The first `count` failure draws of a function instance seeded with FAILURE_INJECTION_SEED = `seed`. */
export function seededFailures(seed: string, fn: PipelineFunction, percentage: number, count: number): boolean[] {
  const random = seededRandom(`${seed}:${fn}`);
  return Array.from({ length: count }, () => failsAfterWrite(random(), percentage));
}

/**
 * The fewest rounds a Reduce without ClientRequestToken spoils, whatever the rounds' batch counts:
 * Reduce draws once per invocation that wrote, in order; round r takes the next `batches[r]` draws
 * that succeed, plus one more for every failure among them (each failure is retried). A round is
 * spoiled when one of its draws fails. Minimum over every assignment of 1..`maxBatches` batches.
 */
export function fewestSpoiledRounds(failures: readonly boolean[], rounds: number, maxBatches: number): number {
  const memo = new Map<string, number>();
  const fewest = (round: number, draw: number): number => {
    if (round === rounds) return 0;
    const key = `${round}:${draw}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let best = Number.POSITIVE_INFINITY;
    let next = draw;
    let spoiled = false;
    for (let batches = 1; batches <= maxBatches; batches++) {
      for (;;) {
        const failed = failures[next++];
        if (failed === undefined) throw new RangeError('not enough failure draws for this many rounds and batches');
        spoiled ||= failed;
        if (!failed) break;
      }
      best = Math.min(best, (spoiled ? 1 : 0) + fewest(round + 1, next));
    }
    memo.set(key, best);
    return best;
  };
  return fewest(0, 0);
}
