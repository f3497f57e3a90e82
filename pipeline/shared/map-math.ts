/**
 * The Map stage's math as pure functions: a batch of StateTable stream records becomes one
 * pre-aggregate (cents per aggregation key, rolled up, and a message count), and the ReduceTable
 * item that carries it (numbers as exact decimal strings).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, AttributeValue as StreamAttributeValue } from 'aws-lambda';
import { AGGREGATION_KEYS, type CentsByKey, isHierarchy, leafKey, MESSAGE_COUNT_KEY, rollUp } from '../../lib/domain/hierarchy';
import { centsToDecimal, toCents } from '../../lib/domain/money';

/** A stream image: an item as DynamoDB JSON. */
export type StreamImage = Record<string, StreamAttributeValue>;

/** What one Map invocation contributes: cents for each of the 18 keys, and how many messages it counted. */
export interface PreAggregate {
  cents: CentsByKey;
  messageCount: number;
}

/** Where a StateTable image counts: its leaf key and its value in cents. */
export interface TradeContribution {
  leaf: string;
  cents: number;
}

/** Reads the leaf and the exact value of a StateTable image (`Value` number, `Hierarchy` JSON string). */
export function tradeOfImage(image: StreamImage): TradeContribution {
  const id = image.id?.S ?? '(no id)';
  const value = image.Value?.N;
  if (value === undefined) throw new Error(`StateTable item ${id} has no numeric Value`);
  const hierarchyText = image.Hierarchy?.S;
  if (hierarchyText === undefined) throw new Error(`StateTable item ${id} has no Hierarchy string`);
  let hierarchy: unknown;
  try {
    hierarchy = JSON.parse(hierarchyText);
  } catch {
    throw new Error(`StateTable item ${id} has a Hierarchy that is not JSON: ${hierarchyText}`);
  }
  if (!isHierarchy(hierarchy)) throw new Error(`StateTable item ${id} has an unknown Hierarchy: ${hierarchyText}`);
  return { leaf: leafKey(hierarchy), cents: toCents(value) };
}

/**
 * Sums a batch of StateTable stream records: a NewImage adds its Value to its leaf (and counts one
 * message); an OldImage (the version a modification replaced, or a removed item) subtracts its Value
 * from its own leaf. The leaves are then rolled up to the middle nodes and roots.
 */
export function preAggregateBatch(records: readonly DynamoDBRecord[]): PreAggregate {
  const centsByLeaf: CentsByKey = {};
  let messageCount = 0;
  for (const record of records) {
    const newImage = record.dynamodb?.NewImage;
    const oldImage = record.dynamodb?.OldImage;
    if (newImage) {
      const trade = tradeOfImage(newImage);
      centsByLeaf[trade.leaf] = (centsByLeaf[trade.leaf] ?? 0) + trade.cents;
      messageCount += 1;
    }
    if (oldImage) {
      const trade = tradeOfImage(oldImage);
      centsByLeaf[trade.leaf] = (centsByLeaf[trade.leaf] ?? 0) - trade.cents;
    }
  }
  return { cents: rollUp(centsByLeaf), messageCount };
}

/** The ReduceTable item of a pre-aggregate: MessageId, one number per aggregation key, and message_count. */
export function reduceTableItem(messageId: string, preAggregate: PreAggregate): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = { MessageId: { S: messageId } };
  for (const key of AGGREGATION_KEYS) item[key] = { N: centsToDecimal(preAggregate.cents[key] ?? 0) };
  item[MESSAGE_COUNT_KEY] = { N: String(preAggregate.messageCount) };
  return item;
}
