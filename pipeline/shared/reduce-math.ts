/**
 * The Reduce stage's math: reading the pre-aggregates of ReduceTable stream records, summing a batch
 * of them in integer cents, and the AggregateTable updates (`ADD #Value :delta`, exact decimal
 * strings) that apply the sum.
 */
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { AGGREGATION_KEYS, type CentsByKey, MESSAGE_COUNT_KEY } from '../../lib/domain/hierarchy';
import { centsToDecimal, toCents } from '../../lib/domain/money';
import type { PreAggregate, StreamImage } from './map-math';

/** The pre-aggregate a ReduceTable image carries (a missing key counts as 0). */
export function preAggregateOfImage(image: StreamImage): PreAggregate {
  const cents: CentsByKey = {};
  for (const key of AGGREGATION_KEYS) cents[key] = toCents(image[key]?.N ?? '0');
  const count = Number(image[MESSAGE_COUNT_KEY]?.N ?? '0');
  if (!Number.isSafeInteger(count)) {
    throw new Error(`ReduceTable item ${image.MessageId?.S ?? '(no MessageId)'} has a message_count that is not a whole number`);
  }
  return { cents, messageCount: count };
}

/** The sum of a Reduce batch: its total, and how many pre-aggregated items went into it. */
export interface ReduceBatchSum {
  total: PreAggregate;
  items: number;
}

/** Sums the pre-aggregates of a batch's new items (records with a NewImage), key by key, in cents. */
export function sumReduceBatch(records: readonly DynamoDBRecord[]): ReduceBatchSum {
  const cents: CentsByKey = Object.fromEntries(AGGREGATION_KEYS.map((key) => [key, 0]));
  let messageCount = 0;
  let items = 0;
  for (const record of records) {
    const image = record.dynamodb?.NewImage;
    if (!image) continue;
    const preAggregate = preAggregateOfImage(image);
    for (const key of AGGREGATION_KEYS) cents[key] = (cents[key] ?? 0) + (preAggregate.cents[key] ?? 0);
    messageCount += preAggregate.messageCount;
    items += 1;
  }
  return { total: { cents, messageCount }, items };
}

/** One `ADD #Value :delta` update of an AggregateTable item. */
function addToAggregate(tableName: string, identifier: string, delta: string): TransactWriteItem {
  return {
    Update: {
      TableName: tableName,
      Key: { Identifier: { S: identifier } },
      UpdateExpression: 'ADD #Value :delta',
      ExpressionAttributeNames: { '#Value': 'Value' },
      ExpressionAttributeValues: { ':delta': { N: delta } },
    },
  };
}

/** The 19 updates (18 keys, then message_count), in a fixed order, that add a sum to the AggregateTable. */
export function aggregateUpdates(tableName: string, total: PreAggregate): TransactWriteItem[] {
  return [
    ...AGGREGATION_KEYS.map((key) => addToAggregate(tableName, key, centsToDecimal(total.cents[key] ?? 0))),
    addToAggregate(tableName, MESSAGE_COUNT_KEY, String(total.messageCount)),
  ];
}
