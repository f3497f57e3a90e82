/**
 * State function, reference solution. Trigger: the Kinesis stream `IncomingDataStream`.
 *
 * Keeps the newest version of every trade in the `StateTable`. The write is conditional: it
 * succeeds only for a trade not seen yet or for a higher Version than the stored one, so exact
 * duplicates and stale (out-of-order) versions change nothing, and the StateTable's stream only
 * carries real changes.
 */
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { FailureInjection } from '../shared/failure-injection';
import { forEachInOrder } from '../shared/in-order';
import { decodeKinesisRecord, isTooOld, stateItem } from '../shared/state-records';
import { pipelineTables } from '../shared/table-names';

const dynamodb = new DynamoDBClient({});
const tables = pipelineTables();
const failureInjection = new FailureInjection('state');

export const handler = async (event: KinesisStreamEvent, _context: Context): Promise<void> => {
  const records = event.Records;
  console.log(`State invoked with ${records.length} record(s)`);

  // Lab 2 failure injection (part of the game).
  const failurePercentage = await failureInjection.readPercentage(dynamodb, tables.parameter);

  let written = 0;
  let skipped = 0;
  let tooOld = 0;
  await forEachInOrder(records, async (record) => {
    failureInjection.beforeRecord(failurePercentage, records.length);

    const message = decodeKinesisRecord(record);
    if (isTooOld(message)) {
      tooOld += 1;
      return;
    }
    try {
      await dynamodb.send(
        new PutItemCommand({
          TableName: tables.state,
          Item: stateItem(message),
          ConditionExpression: 'attribute_not_exists(id) OR Version < :new_version',
          ExpressionAttributeValues: { ':new_version': { N: String(message.Version) } },
        }),
      );
      written += 1;
    } catch (error) {
      // The stored version is the same (a duplicate) or newer (this one is stale): skip it.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      skipped += 1;
    }
  });

  console.log(`State wrote ${written} message(s) to ${tables.state}; skipped ${skipped} duplicate or stale, ${tooOld} older than 60 s`);
};
