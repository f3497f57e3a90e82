/**
 * Helpers for the game-fidelity tests: code directories mixing starting and solution handlers, a
 * local team driven by the function runtime, and rounds judged once the pipeline has gone idle.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRound, type StreamRecord } from '../../generator/messages';
import { type RoundOutcome, type RoundSettings, runRound, type TeamTarget } from '../../generator/round';
import { readAggregateTable } from '../../lib/aws/aggregate-table';
import { diagnose } from '../../lib/domain/diagnosis';
import { parseMessage } from '../../lib/domain/message';
import { type ChangeVerdict, judgeChange, type TableValues } from '../../lib/domain/verdict';
import { freePort } from '../../lib/local/ports';
import { type LocalTeamStack, startLocalTeam } from '../../lib/local/team-stack';
import { PIPELINE_FUNCTIONS, type PipelineFunction } from '../../lib/pipeline-resources';
import type { LocalRuntime } from '../../lib/runtime/runtime';
import type { TeamStatus } from '../../lib/runtime/team-runtime';
import { parseWiring, WIRING_FILE } from '../../lib/runtime/wiring';
import type { Diagnosis } from '../../lib/store/types';
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

/** Counters of one function: invocations in all, those that succeeded, and records they carried. */
export interface FunctionCounters {
  invocations: number;
  successes: number;
  records: number;
}
export type PipelineCounters = Record<PipelineFunction, FunctionCounters>;

function countersOf(status: TeamStatus | undefined): PipelineCounters {
  const counters = (fn: PipelineFunction): FunctionCounters => {
    const stats = status?.functions[fn]?.stats;
    if (!stats) return { invocations: 0, successes: 0, records: 0 };
    return { invocations: stats.invocations, successes: stats.invocations - stats.errors - stats.timeouts, records: stats.records };
  };
  return { state: counters('state'), map: counters('map'), reduce: counters('reduce') };
}

/** Whether no function is running and no trigger holds records it has not delivered yet. */
function nothingInFlight(status: TeamStatus | undefined): boolean {
  return Object.values(status?.functions ?? {}).every(
    (fn) => fn.running === 0 && fn.triggers.every((trigger) => trigger.shards.every((shard) => !('pending' in shard) || shard.pending === 0)),
  );
}

function minus(after: PipelineCounters, before: PipelineCounters): PipelineCounters {
  const one = (fn: PipelineFunction): FunctionCounters => ({
    invocations: after[fn].invocations - before[fn].invocations,
    successes: after[fn].successes - before[fn].successes,
    records: after[fn].records - before[fn].records,
  });
  return { state: one('state'), map: one('map'), reduce: one('reduce') };
}

/** A local team (its own DynamoDB Local, its stream in the shared Kinesis emulator) run by `runtime`. */
export class FidelityTeam {
  private constructor(
    readonly stack: LocalTeamStack,
    private readonly runtime: LocalRuntime,
  ) {}

  static async start(runtime: LocalRuntime, slug: string, kinesisEndpoint: string): Promise<FidelityTeam> {
    const stack = await startLocalTeam({ slug, port: await freePort(), kinesisEndpoint, shardCount: 4 });
    return new FidelityTeam(stack, runtime);
  }

  get target(): TeamTarget {
    return { connection: this.stack.connection, resources: this.stack.resources };
  }

  /** Runs `codeDirectory` for this team; resolves once every wired trigger reads its stream. */
  async run(codeDirectory: string, environment: Record<string, string>): Promise<void> {
    await this.runtime.upsertTeam({ slug: this.stack.slug, connection: this.stack.connection, resources: this.stack.resources, codeDirectory, environment });
    const wiring = parseWiring(readFileSync(path.join(codeDirectory, WIRING_FILE), 'utf8'));
    if (!wiring.ok) throw new Error(`${codeDirectory}: ${wiring.problem}`);
    const wired = wiring.wiring.triggers.length;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const triggers = Object.values(this.status()?.functions ?? {}).flatMap((fn) => fn.triggers);
      const reading = triggers.every(
        (trigger) => trigger.state === 'running' && trigger.shards.length > 0 && trigger.shards.every((shard) => shard.state !== 'starting'),
      );
      if (triggers.length === wired && reading) return;
      if (Date.now() > deadline) throw new Error(`the triggers of ${this.stack.slug} did not start: ${JSON.stringify(this.status())}`);
      await sleep(200);
    }
  }

  status(): TeamStatus | undefined {
    return this.runtime.status().teams[this.stack.slug];
  }

  counters(): PipelineCounters {
    return countersOf(this.status());
  }

  readTable(): Promise<TableValues> {
    return readAggregateTable(this.stack.connection, this.stack.resources.aggregateTable);
  }

  /**
   * Waits until the pipeline has handled a round of `sentRecords` records started at `before`: State
   * delivered every record, Reduce delivered every pre-aggregate Map wrote (one per successful Map
   * batch), nothing is in flight, and no counter moved for `quietMs` (more than the triggers' 250 ms
   * polls, so Map has read the last StateTable changes).
   */
  async idleAfter(before: PipelineCounters, sentRecords: number, quietMs = 1500, timeoutMs = 90_000): Promise<PipelineCounters> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    let stableSince = Date.now();
    for (;;) {
      const status = this.status();
      const delta = minus(countersOf(status), before);
      const key = JSON.stringify(delta);
      if (key !== last) {
        last = key;
        stableSince = Date.now();
      }
      const done = delta.state.records >= sentRecords && delta.reduce.records === delta.map.successes && nothingInFlight(status);
      if (done && Date.now() - stableSince >= quietMs) return delta;
      if (Date.now() > deadline) throw new Error(`the pipeline of ${this.stack.slug} did not go idle: ${key}`);
      await sleep(100);
    }
  }

  async stop(): Promise<void> {
    await this.runtime.removeTeam(this.stack.slug);
    await this.stack.stop();
  }
}

/** One round, judged by the game and on the totals the pipeline settled on. */
export interface JudgedRound {
  seed: number;
  /** The game's verdict: 'passed' at the first read that matched; 'void' when stopped once settled wrong. */
  game: RoundOutcome['status'];
  /** The change of the AggregateTable once the pipeline went idle. */
  settled: ChangeVerdict;
  /** The diagnosis of the settled change (null when exact), as the game gives it at a deadline. */
  diagnosis: Diagnosis | null;
  /** What each function did during the round. */
  activity: PipelineCounters;
  durationMs: number;
}

/**
 * Runs a round through the generator, waits until the pipeline is idle, then judges the settled
 * change (the workshop's rule: totals read after the pipeline had its time). A settled-exact round
 * is left to the game to pass; a settled-wrong one can no longer change, so the game's wait for its
 * deadline is cut short and the diagnosis is made from the settled table (not still changing).
 */
export async function judgedRound(team: FidelityTeam, settings: RoundSettings): Promise<JudgedRound> {
  const started = performance.now();
  const before = team.counters();
  const baseline = await team.readTable();
  const generated = makeRound({ seed: settings.seed, lab: settings.lab, messages: settings.messages });
  const stop = new AbortController();
  const game = runRound(team.target, settings, { signal: stop.signal });
  const activity = await team.idleAfter(before, generated.counts.messages);
  const after = await team.readTable();
  const settled = judgeChange(baseline, after, generated.expected);
  if (!settled.passed) stop.abort('settled wrong');
  const outcome = await game;
  const diagnosis = settled.passed
    ? null
    : diagnose({ lab: settings.lab, expected: generated.expected, baseline, after, stillChanging: false, facts: generated.facts });
  return { seed: settings.seed, game: outcome.status, settled, diagnosis, activity, durationMs: performance.now() - started };
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
