/**
 * Reduce function: the last stage of your pipeline.
 *
 * Trigger: the stream of the `ReduceTable` (batches of up to 1,000 records). Each new item there is
 * a pre-aggregate written by Map. Reduce sums the batch's pre-aggregates and adds the sums to the
 * running totals in the `AggregateTable` (one item per key, e.g. `PV:FXSpot:EMEA`, plus
 * `message_count`), all in a single DynamoDB transaction, so the totals never show half a batch.
 * Only one Reduce may run at a time, so that two transactions never race on the same totals.
 *
 * If this function throws, the trigger retries the whole batch.
 *
 * Lab 1: is this function connected to the ReduceTable's stream, limited to one concurrent
 *   execution, and allowed to read that stream and update the AggregateTable? (see pipeline/README.md)
 * Lab 2, step 2: look at the transaction below. What happens to the totals when the same batch
 *   is delivered again after its transaction already succeeded?
 */
import { DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { FailureInjection } from '../shared/failure-injection';
import { aggregateUpdates, sumReduceBatch } from '../shared/reduce-math';
import { pipelineTables } from '../shared/table-names';

// Created once per function instance and reused by every invocation. Region, endpoint and
// credentials come from the environment (on AWS Lambda, and from the local runtime).
const dynamodb = new DynamoDBClient({});
const tables = pipelineTables();
const failureInjection = new FailureInjection('reduce');

export const handler = async (event: DynamoDBStreamEvent, _context: Context): Promise<void> => {
  const records = event.Records;
  console.log(`Reduce invoked with ${records.length} record(s)`);

  // Part of the game (Lab 2 failure injection), leave it in: the organiser sets the percentage.
  const failurePercentage = await failureInjection.readPercentage(dynamodb, tables.parameter);

  // Sum the new pre-aggregates of this batch, key by key.
  const batch = sumReduceBatch(records);
  if (batch.items === 0) {
    console.log('Reduce: no new pre-aggregates in this batch, nothing to add');
    return;
  }

  // Add the sums to the AggregateTable: one `ADD Value :delta` per key, in one transaction.
  await dynamodb.send(
    new TransactWriteItemsCommand({
      TransactItems: aggregateUpdates(tables.aggregate, batch.total),
    }),
  );
  console.log(`Reduce added ${batch.items} pre-aggregate(s) (${batch.total.messageCount} message(s)) to ${tables.aggregate}`);

  // May throw on purpose (Lab 2) after the write: the trigger will then retry this whole batch.
  failureInjection.afterWrite(failurePercentage);
};
