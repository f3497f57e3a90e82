/**
 * Broken pipeline "counts-exact-copies": the reference solution's Map, except that a change whose
 * Version did not move is taken for a new message: its old image is dropped, so the value is added
 * without the replaced one being subtracted (see this pipeline's state.ts).
 */
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { handler as referenceMap } from '../../../pipeline/solution/map';

function sameVersionTakenForNew(record: DynamoDBRecord): DynamoDBRecord {
  const change = record.dynamodb;
  if (!change?.OldImage || change.OldImage.Version?.N !== change.NewImage?.Version?.N) return record;
  return { ...record, dynamodb: { ...change, OldImage: undefined } };
}

export const handler = (event: DynamoDBStreamEvent, context: Context): Promise<void> =>
  referenceMap({ Records: event.Records.map(sameVersionTakenForNew) }, context);
