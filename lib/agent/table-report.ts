/**
 * Reading the team's AggregateTable for the organiser: one strongly consistent BatchGetItem of the
 * 18 aggregation keys and `message_count` (never a scan: a table stuffed with other items costs
 * nothing more), each `Value` as the exact decimal string DynamoDB returned, and the keys whose
 * `Value` the game cannot read listed as unreadable (docs/room.md, `start` and `PUT /table`).
 */
import { type AttributeValue, BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
import { classifyTableError } from '@/lib/aws/aggregate-table';
import { type Connection, dynamoDbClient } from '@/lib/aws/clients';
import { AGGREGATION_KEYS, MESSAGE_COUNT_KEY } from '@/lib/domain/hierarchy';
import type { TableReport, UnreadableKey } from './protocol';

/** The keys the organiser wants: the 18 aggregation keys and message_count. */
export const REPORTED_KEYS: readonly string[] = [...AGGREGATION_KEYS, MESSAGE_COUNT_KEY];
/** A value longer than this is not sent (docs/room.md). */
const MAX_VALUE_CHARS = 64;
/** BatchGetItem may leave keys unprocessed under load: ask again this many times. */
const UNPROCESSED_ATTEMPTS = 5;

function describeValue(value: AttributeValue | undefined): string {
  if (!value) return 'the item has no Value attribute';
  const [type] = Object.keys(value);
  return `Value is of DynamoDB type ${type ?? 'unknown'}, not a number (N)`;
}

/** Sorts one item of the AggregateTable into a value or an unreadable key. */
export function reportedValue(key: string, item: Record<string, AttributeValue>): { value: string } | UnreadableKey {
  const value = item.Value;
  if (!value || !('N' in value) || value.N === undefined) return { key, problem: describeValue(value) };
  if (value.N.length > MAX_VALUE_CHARS) return { key, problem: `Value has ${value.N.length} characters, more than the ${MAX_VALUE_CHARS} the game reads` };
  return { value: value.N };
}

/** Reads the 19 reported keys of `table`; throws TableReadError when the table cannot be read. */
export async function readTableReport(connection: Connection, table: string, signal?: AbortSignal): Promise<TableReport> {
  const client = dynamoDbClient(connection);
  const items: Record<string, AttributeValue>[] = [];
  let keys: Record<string, AttributeValue>[] = REPORTED_KEYS.map((key) => ({ Identifier: { S: key } }));
  try {
    for (let attempt = 1; keys.length > 0; attempt++) {
      if (attempt > UNPROCESSED_ATTEMPTS) throw new Error(`DynamoDB left ${keys.length} keys unprocessed ${UNPROCESSED_ATTEMPTS} times`);
      const answer = await client.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }), {
        abortSignal: signal,
      });
      items.push(...(answer.Responses?.[table] ?? []));
      keys = answer.UnprocessedKeys?.[table]?.Keys ?? [];
    }
  } catch (error) {
    throw classifyTableError(error, table);
  }
  const report: TableReport = { values: {}, unreadable: [] };
  for (const item of items) {
    const key = item.Identifier && 'S' in item.Identifier ? item.Identifier.S : undefined;
    if (key === undefined || !REPORTED_KEYS.includes(key)) continue;
    const read = reportedValue(key, item);
    if ('value' in read) report.values[key] = read.value;
    else report.unreadable.push(read);
  }
  report.unreadable.sort((a, b) => a.key.localeCompare(b.key));
  return report;
}

/** Whether two reports hold the same values and unreadable keys. */
export function sameReport(a: TableReport, b: TableReport): boolean {
  const aKeys = Object.keys(a.values);
  if (aKeys.length !== Object.keys(b.values).length || aKeys.some((key) => a.values[key] !== b.values[key])) return false;
  return JSON.stringify(a.unreadable) === JSON.stringify(b.unreadable);
}
