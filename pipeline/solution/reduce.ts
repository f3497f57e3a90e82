/**
 * Reduce function, reference solution. Trigger: the stream of the `ReduceTable`, concurrency 1.
 *
 * Sums the batch's pre-aggregates and adds them to the `AggregateTable` in one transaction whose
 * ClientRequestToken is a hash of the batch: when the trigger delivers the same batch again after
 * the transaction succeeded, DynamoDB recognises the token (for 10 minutes) and adds nothing twice.
 */
import { DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { batchToken } from '../shared/batch-hash';
import { FailureInjection } from '../shared/failure-injection';
import { aggregateUpdates, sumReduceBatch } from '../shared/reduce-math';
import { pipelineTables } from '../shared/table-names';

const dynamodb = new DynamoDBClient({});
const tables = pipelineTables();
const failureInjection = new FailureInjection('reduce');

export const handler = async (event: DynamoDBStreamEvent, _context: Context): Promise<void> => {
  const records = event.Records;
  console.log(`Reduce invoked with ${records.length} record(s)`);

  // Lab 2 failure injection (part of the game).
  const failurePercentage = await failureInjection.readPercentage(dynamodb, tables.parameter);

  const batch = sumReduceBatch(records);
  if (batch.items === 0) {
    console.log('Reduce: no new pre-aggregates in this batch, nothing to add');
    return;
  }

  const token = batchToken(records);
  await dynamodb.send(
    new TransactWriteItemsCommand({
      TransactItems: aggregateUpdates(tables.aggregate, batch.total),
      ClientRequestToken: token,
    }),
  );
  console.log(`Reduce added ${batch.items} pre-aggregate(s) (${batch.total.messageCount} message(s)) to ${tables.aggregate}, token ${token}`);

  // Lab 2 failure injection: may throw after the write; the retry then reuses the same token.
  failureInjection.afterWrite(failurePercentage);
};
