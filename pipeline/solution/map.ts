/**
 * Map function, reference solution (the same as the starting one: Map has no exercise).
 *
 * Trigger: the stream of the `StateTable` (batches of up to 10,000 records, collected for up to
 * 3 s). For each change to a trade it adds the new value to the trade's leaf (e.g.
 * `PV:FXSpot:EMEA`) and, when a newer version replaced an older one, subtracts the old value from
 * the old leaf. It rolls the leaves up to their parents (`PV:FXSpot`, `PV`) and writes the result,
 * a "pre-aggregate", as ONE item to the `ReduceTable`, whose stream feeds the Reduce function.
 *
 * If this function throws, the trigger retries the whole batch. The item's key `MessageId` is a
 * hash of the whole batch and the write is conditional, so a retried batch is never written twice.
 */
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { batchHash } from '../shared/batch-hash';
import { FailureInjection } from '../shared/failure-injection';
import { preAggregateBatch, reduceTableItem } from '../shared/map-math';
import { pipelineTables } from '../shared/table-names';

const dynamodb = new DynamoDBClient({});
const tables = pipelineTables();
const failureInjection = new FailureInjection('map');

export const handler = async (event: DynamoDBStreamEvent, _context: Context): Promise<void> => {
  const records = event.Records;
  console.log(`Map invoked with ${records.length} record(s)`);

  // Lab 2 failure injection (part of the game).
  const failurePercentage = await failureInjection.readPercentage(dynamodb, tables.parameter);

  // Sum the batch per leaf (new values added, replaced values subtracted), then roll up.
  const preAggregate = preAggregateBatch(records);
  const messageId = batchHash(records);

  try {
    await dynamodb.send(
      new PutItemCommand({
        TableName: tables.reduce,
        Item: reduceTableItem(messageId, preAggregate),
        ConditionExpression: 'attribute_not_exists(MessageId)',
      }),
    );
    console.log(`Map wrote pre-aggregate ${messageId} (${preAggregate.messageCount} message(s)) to ${tables.reduce}`);
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    console.log(`Map: pre-aggregate ${messageId} was already written by an earlier attempt of this batch`);
  }

  // Lab 2 failure injection: may throw after the write; the retried batch is then written no second time.
  failureInjection.afterWrite(failurePercentage);
};
