/**
 * State function: the first stage of your pipeline.
 *
 * Trigger: the Kinesis stream `IncomingDataStream` (batches of up to 100 records, one shard at a
 * time). Each record carries one trade-risk message. State keeps the latest known version of every
 * trade in the `StateTable` (key `id` = TradeID). Every write to that table appears on the table's
 * stream, which feeds the Map function.
 *
 * If this function throws, the trigger retries the whole batch (and the shard waits until it
 * succeeds), so every record of the batch may be processed more than once.
 *
 * Lab 1: is this function connected to the stream at all? (see pipeline/README.md)
 * Lab 2, step 1: messages can arrive twice, and an older version of a trade can arrive after a
 *   newer one (they travel on different shards). Look at the write to the StateTable below: what
 *   happens to the table when version 0 of a trade arrives after version 1?
 */
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { FailureInjection } from '../shared/failure-injection';
import { forEachInOrder } from '../shared/in-order';
import { decodeKinesisRecord, isTooOld, stateItem } from '../shared/state-records';
import { pipelineTables } from '../shared/table-names';

// Created once per function instance and reused by every invocation. Region, endpoint and
// credentials come from the environment (on AWS Lambda, and from the local runtime).
const dynamodb = new DynamoDBClient({});
const tables = pipelineTables();
const failureInjection = new FailureInjection('state');

export const handler = async (event: KinesisStreamEvent, _context: Context): Promise<void> => {
  const records = event.Records;
  console.log(`State invoked with ${records.length} record(s)`);

  // Part of the game (Lab 2 failure injection), leave it in: the organiser sets the percentage.
  const failurePercentage = await failureInjection.readPercentage(dynamodb, tables.parameter);

  // Store each trade: id = TradeID, Value, Version, Hierarchy (JSON, sorted keys), Timestamp.
  // Records are handled in order, up to 10 writes at a time (parallel writes are faster).
  let written = 0;
  let tooOld = 0;
  await forEachInOrder(records, async (record) => {
    // May throw on purpose (Lab 2) before a record: the records before it are written, and the
    // trigger will then retry this whole batch.
    failureInjection.beforeRecord(failurePercentage, records.length);

    const message = decodeKinesisRecord(record);
    if (isTooOld(message)) {
      tooOld += 1;
      return;
    }
    await dynamodb.send(
      new PutItemCommand({
        TableName: tables.state,
        Item: stateItem(message),
      }),
    );
    written += 1;
  });

  console.log(`State wrote ${written} message(s) to ${tables.state}; skipped ${tooOld} older than 60 s`);
};
