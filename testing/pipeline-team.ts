/**
 * A local team whose pipeline the real local function runtime runs: its own DynamoDB Local and
 * stream, a code folder (the reference solution, the starting handlers, or a broken pipeline under
 * testing/pipelines), and the two waits tests need: until the runtime has positioned every trigger
 * in its stream (so a LATEST trigger sees what is sent next), and until the pipeline is idle (so a
 * round is judged on the totals it settled on, however fast this machine is).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import {
  GetRecordsCommand as GetStreamRecordsCommand,
  GetShardIteratorCommand as GetStreamShardIteratorCommand,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import type { TeamTarget } from '@/generator/round';
import { readAggregateTable } from '@/lib/aws/aggregate-table';
import { dynamoDbStreamsClient, kinesisClient } from '@/lib/aws/clients';
import type { TableValues } from '@/lib/domain/verdict';
import type { LocalTeamStack } from '@/lib/local/team-stack';
import type { PipelineFunction, PipelineResources } from '@/lib/pipeline-resources';
import type { LocalRuntime } from '@/lib/runtime/runtime';
import type { TeamStatus } from '@/lib/runtime/team-runtime';
import { parseWiring, WIRING_FILE } from '@/lib/runtime/wiring';
import { startTeam } from './emulators';
import { eventually } from './eventually';

const repository = path.resolve(import.meta.dirname, '..');
/** The reference solution's code folder. */
export const REFERENCE_SOLUTION = path.join(repository, 'pipeline/solution');
/** The handlers as participants get them (only Map wired). */
export const STARTING_HANDLERS = path.join(repository, 'pipeline/handlers');
/** A broken pipeline of testing/pipelines: the reference solution with one deliberate defect. */
export function brokenPipeline(name: string): string {
  return path.join(repository, 'testing/pipelines', name);
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

function minus(after: PipelineCounters, before: PipelineCounters): PipelineCounters {
  const one = (fn: PipelineFunction): FunctionCounters => ({
    invocations: after[fn].invocations - before[fn].invocations,
    successes: after[fn].successes - before[fn].successes,
    records: after[fn].records - before[fn].records,
  });
  return { state: one('state'), map: one('map'), reduce: one('reduce') };
}

/** Whether no function is running and no trigger holds records it has not delivered yet. */
function nothingInFlight(status: TeamStatus | undefined): boolean {
  return Object.values(status?.functions ?? {}).every(
    (fn) => fn.running === 0 && fn.triggers.every((trigger) => trigger.shards.every((shard) => !('pending' in shard) || shard.pending === 0)),
  );
}

/** Whether every wired trigger runs and has positioned itself in each of its shards. */
function triggersPositioned(status: TeamStatus | undefined, wired: number): boolean {
  const triggers = Object.values(status?.functions ?? {}).flatMap((fn) => fn.triggers);
  return (
    triggers.length === wired &&
    triggers.every((trigger) => trigger.state === 'running' && trigger.shards.length > 0 && trigger.shards.every((shard) => shard.state !== 'starting'))
  );
}

export class PipelineTeam {
  private constructor(
    readonly stack: LocalTeamStack,
    private readonly runtime: LocalRuntime,
  ) {}

  /** Starts the team's DynamoDB Local and stream (named by `resources`, or a local team's); nothing runs its pipeline until `run`. */
  static async start(runtime: LocalRuntime, slug: string, kinesisEndpoint: string, shardCount = 4, resources?: PipelineResources): Promise<PipelineTeam> {
    return new PipelineTeam(await startTeam(slug, kinesisEndpoint, shardCount, resources), runtime);
  }

  get slug(): string {
    return this.stack.slug;
  }

  get target(): TeamTarget {
    return { connection: this.stack.connection, resources: this.stack.resources };
  }

  /**
   * Runs `codeDirectory` for this team (replacing the code it ran, checkpoints kept); resolves once
   * every trigger its wiring declares has positioned itself in its stream.
   */
  async run(codeDirectory: string, environment: Record<string, string> = {}): Promise<void> {
    await this.runtime.upsertTeam({ slug: this.slug, connection: this.stack.connection, resources: this.stack.resources, codeDirectory, environment });
    const wiring = parseWiring(readFileSync(path.join(codeDirectory, WIRING_FILE), 'utf8'));
    if (!wiring.ok) throw new Error(`${codeDirectory}: ${wiring.problem}`);
    const wired = wiring.wiring.triggers.length;
    await eventually(
      `the runtime to position the ${wired} trigger(s) of ${this.slug}`,
      () => this.status(),
      (status) => triggersPositioned(status, wired),
    );
  }

  status(): TeamStatus | undefined {
    return this.runtime.status().teams[this.slug];
  }

  counters(): PipelineCounters {
    return countersOf(this.status());
  }

  readTable(): Promise<TableValues> {
    return readAggregateTable(this.stack.connection, this.stack.resources.aggregateTable);
  }

  /** How many records the team's Kinesis stream holds: each shard read from its start to its end. */
  async recordsOnStream(): Promise<number> {
    const client = kinesisClient(this.stack.connection);
    const StreamName = this.stack.resources.streamName;
    const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName }));
    let count = 0;
    for (const shard of Shards) {
      let { ShardIterator: iterator } = await client.send(
        new GetStreamShardIteratorCommand({ StreamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      while (iterator) {
        const page = await client.send(new GetStreamRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        count += page.Records?.length ?? 0;
        iterator = page.Records?.length ? page.NextShardIterator : undefined;
      }
    }
    return count;
  }

  /**
   * Waits until the pipeline has handled `sentRecords` records sent after `before` was read: State
   * delivered every record, Reduce every pre-aggregate Map wrote (one per successful Map batch),
   * nothing is in flight, no counter moved for `quietMs`, and the triggers on the tables' streams
   * have read them to the end (nothing after their checkpoints), however late a busy machine let
   * them poll. Returns what each function did meanwhile.
   */
  idleAfter(before: PipelineCounters, sentRecords: number, quietMs = 1500): Promise<PipelineCounters> {
    const what = `the pipeline of ${this.slug} to go idle after ${sentRecords} records`;
    return eventually(
      `${what}, its table streams read to the end`,
      async () => {
        const delta = await this.quiet(what, before, quietMs, (counted) => {
          return counted.state.records >= sentRecords && counted.reduce.records === counted.map.successes;
        });
        return (await this.tableStreamsReadToEnd()) ? delta : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 100 },
    );
  }

  /** Whether every trigger on a table's stream has delivered all its stream holds (read after its checkpoint, or from the start without one). */
  private async tableStreamsReadToEnd(): Promise<boolean> {
    const client = dynamoDbStreamsClient(this.stack.connection);
    for (const fn of Object.values(this.status()?.functions ?? {})) {
      for (const trigger of fn.triggers) {
        if (!trigger.eventSourceArn?.includes(':table/')) continue;
        for (const shard of trigger.shards) {
          if (!('checkpoint' in shard) && shard.state === 'finished') continue;
          const checkpoint = 'checkpoint' in shard ? shard.checkpoint : undefined;
          const { ShardIterator } = await client.send(
            new GetShardIteratorCommand({
              StreamArn: trigger.eventSourceArn,
              ShardId: shard.shardId,
              ShardIteratorType: checkpoint ? 'AFTER_SEQUENCE_NUMBER' : 'TRIM_HORIZON',
              SequenceNumber: checkpoint,
            }),
          );
          const { Records } = await client.send(new GetRecordsCommand({ ShardIterator, Limit: 1 }));
          if (Records?.length) return false;
        }
      }
    }
    return true;
  }

  /** Waits until nothing is in flight and no counter moved for `quietMs`, whatever was sent before. */
  async settled(quietMs = 1500): Promise<void> {
    await this.quiet(`the pipeline of ${this.slug} to settle`, this.counters(), quietMs, () => true);
  }

  private async quiet(what: string, before: PipelineCounters, quietMs: number, handled: (delta: PipelineCounters) => boolean): Promise<PipelineCounters> {
    let last = '';
    let stableSince = Date.now();
    const progress = await eventually(
      what,
      () => {
        const status = this.status();
        const delta = minus(countersOf(status), before);
        const key = JSON.stringify(delta);
        if (key !== last) {
          last = key;
          stableSince = Date.now();
        }
        return { delta, done: handled(delta) && nothingInFlight(status), quietForMs: Date.now() - stableSince };
      },
      ({ done, quietForMs }) => done && quietForMs >= quietMs,
      { timeoutMs: 180_000, intervalMs: 100 },
    );
    return progress.delta;
  }

  async stop(): Promise<void> {
    await this.runtime.removeTeam(this.slug);
    await this.stack.stop();
  }
}
