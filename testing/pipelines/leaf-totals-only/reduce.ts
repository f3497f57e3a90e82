/**
 * Broken pipeline "leaf-totals-only": the reference solution's Reduce, except that it adds only the
 * 12 leaf totals of each pre-aggregate: the middle nodes and roots never move, so the totals do not
 * add up (a parent changes by something other than the sum of its children).
 */
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { AGGREGATION_KEYS, LEAF_KEYS } from '../../../lib/domain/hierarchy';
import { handler as referenceReduce } from '../../../pipeline/solution/reduce';

const PARENT_KEYS = new Set(AGGREGATION_KEYS.filter((key) => !LEAF_KEYS.includes(key)));

function leavesOnly(record: DynamoDBRecord): DynamoDBRecord {
  const image = record.dynamodb?.NewImage;
  if (!image) return record;
  return { ...record, dynamodb: { ...record.dynamodb, NewImage: Object.fromEntries(Object.entries(image).filter(([key]) => !PARENT_KEYS.has(key))) } };
}

export const handler = (event: DynamoDBStreamEvent, context: Context): Promise<void> => referenceReduce({ Records: event.Records.map(leavesOnly) }, context);
