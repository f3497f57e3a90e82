/**
 * A team channel: how a round reaches one team (docs/game.md, "A round"). It prepares the team for
 * the round (the lab's failure percentages into its ParameterTable, then the baseline of its
 * AggregateTable), sends the burst, and reads the AggregateTable while the round waits. The round
 * (`round.ts`) does the rest — messages, judging, diagnosis — the same for every kind of team.
 *
 * Local and `aws` teams are reached through the AWS SDK clients (`sdkChannel`). A remote team
 * (room mode, docs/room.md) is reached through its agent: there `prepare` is "offer the round and
 * wait for the agent's start with its baseline", `send` is "the agent sends it and reports back",
 * and `read` is "the latest table the agent reported".
 *
 * A channel's calls reject with `TableReadError` (lib/aws/aggregate-table.ts), `SendError`
 * (./sender.ts) or anything whose cause chain holds a `RoleAssumptionError` (lib/errors.ts); the
 * round decides whose side a failure is on. Every call ends at its `signal`.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { classifyTableError, readAggregateTable, TableReadError } from '@/lib/aws/aggregate-table';
import { type Connection, dynamoDbClient } from '@/lib/aws/clients';
import type { TableValues } from '@/lib/domain/verdict';
import { FAILURE_PARAMETERS, PIPELINE_FUNCTIONS, type PipelineResources } from '@/lib/pipeline-resources';
import type { FailurePercentages } from '@/lib/store/types';
import type { StreamRecord } from './messages';
import { type SendOptions, type SendReport, sendRecords } from './sender';

/** A single call to a team's table (a write of the percentages, a read of the AggregateTable) never takes longer. */
export const TABLE_CALL_TIMEOUT_MS = 5000;

export interface TeamChannel {
  /** Writes the failure percentages (when given) and reads the baseline of the AggregateTable. */
  prepare(failurePercentages: FailurePercentages | undefined, signal: AbortSignal): Promise<TableValues>;
  /** Puts the burst on the team's stream; resolves once every record was acknowledged. */
  send(records: readonly StreamRecord[], options: SendOptions & { signal: AbortSignal }): Promise<SendReport>;
  /** One read of the AggregateTable, ended by `signal` (the round gives it at most `TABLE_CALL_TIMEOUT_MS`). */
  read(signal: AbortSignal): Promise<TableValues>;
}

/** Where a team's pipeline lives, for local and AWS teams. */
export interface TeamTarget {
  connection: Connection;
  resources: PipelineResources;
}

/** Whether a signal ended by a timeout (AbortSignal.timeout's reason), not by someone stopping the round. */
function timedOut(signal: AbortSignal): boolean {
  return signal.aborted && (signal.reason as { name?: string } | undefined)?.name === 'TimeoutError';
}

/** Runs `call` with a signal that ends at `signal` or after `ms`; a timeout becomes an `unreachable` TableReadError. */
async function withDeadline<T>(table: string, signal: AbortSignal, ms: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const bounded = AbortSignal.any([signal, AbortSignal.timeout(ms)]);
  try {
    return await call(bounded);
  } catch (error) {
    if (timedOut(bounded)) throw new TableReadError('unreachable', `table ${table} did not answer in time (${ms / 1000} s at most)`, { cause: error });
    throw classifyTableError(error, table);
  }
}

/** Writes each function's failure percentage to the team's ParameterTable. */
export async function writeFailurePercentages(target: TeamTarget, percentages: FailurePercentages, signal?: AbortSignal): Promise<void> {
  const client = dynamoDbClient(target.connection);
  const table = target.resources.parameterTable;
  try {
    await Promise.all(
      PIPELINE_FUNCTIONS.map((fn) =>
        client.send(new PutItemCommand({ TableName: table, Item: { parameter: { S: FAILURE_PARAMETERS[fn] }, value: { N: String(percentages[fn]) } } }), {
          abortSignal: signal,
        }),
      ),
    );
  } catch (error) {
    throw classifyTableError(error, table);
  }
}

/** The channel to a local or AWS team: its tables and stream through the AWS SDK clients. */
export function sdkChannel(target: TeamTarget): TeamChannel {
  const { connection, resources } = target;
  const read = (signal: AbortSignal) =>
    withDeadline(resources.aggregateTable, signal, TABLE_CALL_TIMEOUT_MS, (bounded) => readAggregateTable(connection, resources.aggregateTable, bounded));
  return {
    async prepare(failurePercentages, signal) {
      if (failurePercentages) {
        await withDeadline(resources.parameterTable, signal, TABLE_CALL_TIMEOUT_MS, (bounded) => writeFailurePercentages(target, failurePercentages, bounded));
      }
      return read(signal);
    },
    send: (records, options) => sendRecords(connection, resources.streamName, records, options),
    read,
  };
}
