/**
 * A team channel: how a round reaches one team (docs/game.md, "A round"). It prepares the team for
 * the round (the lab's failure percentages into its ParameterTable, and the baseline of its
 * AggregateTable), sends the burst, and reads the AggregateTable while the round waits. The round
 * (`round.ts`) does the rest — messages, waiting, judging, diagnosis — the same for every kind of team.
 *
 * Local and `aws` teams are reached through the AWS SDK clients (`sdkChannel`), their bursts sent
 * from this thread or from the burst worker that made the round (./burst-workers.ts). A remote team
 * (room mode, docs/room.md) is reached through its agent (`agentChannel`, ./agent-channel.ts):
 * there `prepare` is "the round is offered; wait for the agent's start with its baseline", `send`
 * is "wait for the agent's report that it sent the burst", and `read` is "the latest table the
 * agent reported". Times are on the organiser's clock (ms since the epoch), so a channel can say
 * when something happened even when it learnt of it later (an upload received before the poll).
 *
 * A channel's calls reject with `TableReadError` (lib/aws/aggregate-table.ts), `SendError`
 * (./sender.ts), `AgentOfflineError` (lib/errors.ts) or anything whose cause chain holds a
 * `RoleAssumptionError` (lib/errors.ts); the round decides whose side a failure is on. Every call
 * ends at its `signal`.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { timeoutSignal } from '@/lib/async';
import { classifyTableError, readAggregateTable } from '@/lib/aws/aggregate-table';
import { type Connection, dynamoDbClient } from '@/lib/aws/clients';
import type { TableValues } from '@/lib/domain/verdict';
import { TableReadError } from '@/lib/errors';
import { FAILURE_PARAMETERS, PIPELINE_FUNCTIONS, type PipelineResources } from '@/lib/pipeline-resources';
import type { FailurePercentages } from '@/lib/store/types';
import type { GeneratedRound, RoundTotals } from './messages';
import { type SendOptions, type SendReport, sendRecords } from './sender';

/** A single call to a team's table (a write of the percentages, a read of the AggregateTable) never takes longer. */
export const TABLE_CALL_TIMEOUT_MS = 5000;

/** The team is ready for the round. */
export interface Prepared {
  /** The AggregateTable before the burst. */
  baseline: TableValues;
  /** When the team began sending on its own (a remote team's agent sends as it starts); absent when the round sends. */
  sendingSince?: number;
}

/** The burst is on the team's stream, every record acknowledged. */
export interface Delivered {
  /** When the last record was acknowledged: the deadline counts from here. */
  sentAt: number;
  /** The organiser's own sending (absent when the team's agent sent). */
  report?: SendReport;
}

/** The AggregateTable as the round last learnt it. */
export interface TableRead {
  values: TableValues;
  /** Since when the table is known to hold these values: the read itself, or the receipt of the upload they came in. */
  since: number;
}

/** How a round reaches one team; `R` is what its `send` needs of the round (the records, or only the totals). */
export interface TeamChannel<R extends RoundTotals = GeneratedRound> {
  /** Writes the failure percentages (when given) and reads the baseline of the AggregateTable. */
  prepare(failurePercentages: FailurePercentages | undefined, signal: AbortSignal): Promise<Prepared>;
  /** Has the burst put on the team's stream; resolves once every record was acknowledged. */
  send(round: R, options: SendOptions & { signal: AbortSignal }): Promise<Delivered>;
  /** One read of the AggregateTable, ended by `signal` (the round gives it at most `TABLE_CALL_TIMEOUT_MS`). */
  read(signal: AbortSignal): Promise<TableRead>;
}

/** Where a team's pipeline lives, for local and AWS teams. */
export interface TeamTarget {
  connection: Connection;
  resources: PipelineResources;
}

/** Whether a signal ended by a timeout (timeoutSignal's reason), not by someone stopping the round. */
function timedOut(signal: AbortSignal): boolean {
  return signal.aborted && (signal.reason as { name?: string } | undefined)?.name === 'TimeoutError';
}

/** Runs `call` with a signal that ends at `signal` or after `ms`; a timeout becomes an `unreachable` TableReadError. */
async function withDeadline<T>(table: string, signal: AbortSignal, ms: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const bounded = timeoutSignal(ms, signal);
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

/** Puts a round's burst on a team's stream: from this thread (`sendRecords`), or from the burst worker that made it (./burst-workers.ts). */
export type BurstSender<R extends RoundTotals> = (round: R, target: TeamTarget, options: SendOptions) => Promise<SendReport>;

/** Sends the round's records from this thread. */
export const sendFromHere: BurstSender<GeneratedRound> = (round, { connection, resources }, options) =>
  sendRecords(connection, resources.streamName, round.records, options);

/** The channel to a local or AWS team: its tables through the AWS SDK clients, its stream through `sendBurst`. */
export function sdkChannel<R extends RoundTotals>(target: TeamTarget, sendBurst: BurstSender<R>): TeamChannel<R> {
  const { connection, resources } = target;
  const read = (signal: AbortSignal) =>
    withDeadline(resources.aggregateTable, signal, TABLE_CALL_TIMEOUT_MS, (bounded) => readAggregateTable(connection, resources.aggregateTable, bounded));
  return {
    async prepare(failurePercentages, signal) {
      // Both at once (one round trip less before the burst); the ParameterTable's failure is the one reported when both fail.
      const [written, baseline] = await Promise.allSettled([
        failurePercentages &&
          withDeadline(resources.parameterTable, signal, TABLE_CALL_TIMEOUT_MS, (bounded) => writeFailurePercentages(target, failurePercentages, bounded)),
        read(signal),
      ]);
      if (written.status === 'rejected') throw written.reason;
      if (baseline.status === 'rejected') throw baseline.reason;
      return { baseline: baseline.value };
    },
    async send(round, options) {
      const report = await sendBurst(round, target, options);
      return { sentAt: Date.now(), report };
    },
    async read(signal) {
      const values = await read(signal);
      return { values, since: Date.now() };
    },
  };
}
