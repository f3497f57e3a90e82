/**
 * Reading a team's AggregateTable: a strongly consistent scan returning each item's `Value` exactly
 * as DynamoDB holds it (decimal string), and a classification of why a read failed.
 */
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { TableValues } from '../domain/verdict';
import { type Connection, dynamoDbClient } from './clients';

export type ReadFailureKind = 'missing-table' | 'access-denied' | 'unreachable' | 'throttled' | 'other';

/** Why a team's table could not be read, with a sentence for people. */
export class TableReadError extends Error {
  constructor(
    readonly kind: ReadFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const ACCESS_DENIED = new Set(['AccessDeniedException', 'UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException', 'AccessDenied']);
const THROTTLED = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'TimeoutError', 'RequestTimeout']);

/** Classifies an SDK error raised while reading or writing a team's table. */
export function classifyTableError(error: unknown, table: string): TableReadError {
  if (error instanceof TableReadError) return error;
  const name = (error as { name?: string })?.name ?? '';
  const code = (error as { code?: string })?.code ?? '';
  const detail = error instanceof Error ? error.message : String(error);
  if (name === 'ResourceNotFoundException') return new TableReadError('missing-table', `table ${table} not found`, { cause: error });
  if (ACCESS_DENIED.has(name)) return new TableReadError('access-denied', `access to ${table} denied: ${detail}`, { cause: error });
  if (THROTTLED.has(name)) return new TableReadError('throttled', `reads of ${table} are throttled`, { cause: error });
  if (UNREACHABLE.has(name) || UNREACHABLE.has(code)) return new TableReadError('unreachable', `${table} is unreachable: ${detail}`, { cause: error });
  return new TableReadError('other', `reading ${table} failed: ${detail}`, { cause: error });
}

function numberOf(item: Record<string, AttributeValue>): string | undefined {
  const value = item.Value;
  return value && 'N' in value ? value.N : undefined;
}

/** Scans the whole table (strongly consistent); items without a numeric `Value` are left out. */
export async function readAggregateTable(connection: Connection, table: string): Promise<TableValues> {
  const client = dynamoDbClient(connection);
  const values = new Map<string, string>();
  let startKey: Record<string, AttributeValue> | undefined;
  try {
    do {
      const page = await client.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) {
        const identifier = item.Identifier && 'S' in item.Identifier ? item.Identifier.S : undefined;
        const value = numberOf(item);
        if (identifier !== undefined && value !== undefined) values.set(identifier, value);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  } catch (error) {
    throw classifyTableError(error, table);
  }
  return values;
}
