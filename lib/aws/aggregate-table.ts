/**
 * Reading a team's AggregateTable, bounded whatever the team put in it: the 18 scored keys and
 * `message_count` by key (never a scan), each `Value` exactly as DynamoDB holds it (decimal string)
 * or, when it cannot be totalled, a few words saying what it holds; and a classification of why a
 * read failed.
 */
import { setTimeout } from 'node:timers/promises';
import { type AttributeValue, BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
import { AGGREGATION_KEYS, MESSAGE_COUNT_KEY } from '../domain/hierarchy';
import { isUsableAmount, MAX_AMOUNT_TEXT } from '../domain/money';
import { type TableValues, tableValues } from '../domain/verdict';
import { errorMessage, TableReadError } from '../errors';
import { type Connection, dynamoDbClient } from './clients';

const ACCESS_DENIED = new Set(['AccessDeniedException', 'UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException', 'AccessDenied']);
const THROTTLED = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'TimeoutError', 'RequestTimeout']);

/** Classifies an SDK error raised while reading or writing a team's table. */
export function classifyTableError(error: unknown, table: string): TableReadError {
  if (error instanceof TableReadError) return error;
  const name = (error as { name?: string })?.name ?? '';
  const code = (error as { code?: string })?.code ?? '';
  const detail = errorMessage(error);
  if (name === 'ResourceNotFoundException') return new TableReadError('missing-table', `table ${table} not found`, { cause: error });
  if (ACCESS_DENIED.has(name)) return new TableReadError('access-denied', `access to ${table} denied: ${detail}`, { cause: error });
  if (THROTTLED.has(name)) return new TableReadError('throttled', `reads of ${table} are throttled`, { cause: error });
  if (UNREACHABLE.has(name) || UNREACHABLE.has(code)) return new TableReadError('unreachable', `${table} is unreachable: ${detail}`, { cause: error });
  return new TableReadError('other', `reading ${table} failed: ${detail}`, { cause: error });
}

/** Every read asks for exactly these items: the 18 scored keys and `message_count`, whatever else the table holds. */
export const READ_KEYS: readonly string[] = [...AGGREGATION_KEYS, MESSAGE_COUNT_KEY];
/** Attempts at the keys a BatchGetItem left unprocessed (throttling) before the read counts as throttled. */
const BATCH_ATTEMPTS = 5;
/** How much of a value that is not a usable number a diagnosis quotes. */
const QUOTED_CHARACTERS = 40;

function quoted(text: string): string {
  return JSON.stringify(text.length > QUOTED_CHARACTERS ? `${text.slice(0, QUOTED_CHARACTERS)}…` : text);
}

/** What an attribute value that is not a number is, in a few words (never its whole content). */
function describeAttribute(value: AttributeValue): string {
  if (value.S !== undefined)
    return `the string ${quoted(value.S)}${value.S.length > QUOTED_CHARACTERS ? ` (${value.S.length.toLocaleString('en-US')} characters)` : ''}`;
  if (value.M !== undefined) return `a map of ${Object.keys(value.M).length} attribute(s)`;
  if (value.L !== undefined) return `a list of ${value.L.length} element(s)`;
  if (value.BOOL !== undefined) return `the boolean ${value.BOOL}`;
  if (value.NULL !== undefined) return 'NULL';
  if (value.B !== undefined) return `${value.B.length.toLocaleString('en-US')} bytes of binary data`;
  if (value.SS !== undefined || value.NS !== undefined || value.BS !== undefined) return 'a set';
  return 'a value of an unknown type';
}

/**
 * Why an item's `Value` cannot be totalled (null when it can): not a number, or a number outside
 * what any total of the game reaches (docs/game.md, "Diagnosis": `bad-value`).
 */
export function unusableValue(value: AttributeValue | undefined): string | null {
  if (value === undefined) return 'no Value attribute';
  if (value.N === undefined) return `${describeAttribute(value)}, not a number`;
  return isUsableAmount(value.N) ? null : `${value.N}, not an amount the game can total (at most ${MAX_AMOUNT_TEXT} in size, 2 decimals)`;
}

/**
 * Reads the 18 scored keys and `message_count` (strongly consistent BatchGetItem, only `Identifier`
 * and `Value` projected): one call however many other items the table holds, at most 19 items
 * parsed. Numbers come back exactly as DynamoDB holds them; keys whose `Value` cannot be totalled
 * are left out of the values and listed in `unusable` with what they hold. Ends at `signal`.
 */
export async function readAggregateTable(connection: Connection, table: string, signal?: AbortSignal): Promise<TableValues> {
  const client = dynamoDbClient(connection);
  const values = new Map<string, string>();
  const unusable = new Map<string, string>();
  let keys: Array<Record<string, AttributeValue>> = READ_KEYS.map((key) => ({ Identifier: { S: key } }));
  try {
    for (let attempt = 1; keys.length > 0; attempt++) {
      if (attempt > BATCH_ATTEMPTS) throw new TableReadError('throttled', `reads of ${table} are throttled`);
      if (attempt > 1) await setTimeout(50 * 2 ** attempt, undefined, { signal });
      const result = await client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [table]: {
              Keys: keys,
              ConsistentRead: true,
              ProjectionExpression: '#id, #value',
              ExpressionAttributeNames: { '#id': 'Identifier', '#value': 'Value' },
            },
          },
        }),
        { abortSignal: signal },
      );
      for (const item of result.Responses?.[table] ?? []) {
        const identifier = item.Identifier?.S;
        if (identifier === undefined || !READ_KEYS.includes(identifier)) continue;
        const problem = unusableValue(item.Value);
        if (problem === null) values.set(identifier, item.Value!.N!);
        else unusable.set(identifier, problem);
      }
      keys = result.UnprocessedKeys?.[table]?.Keys ?? [];
    }
  } catch (error) {
    throw classifyTableError(error, table);
  }
  return tableValues(values, unusable);
}
