/**
 * Broken pipeline "counts-exact-copies": State takes a message of the Version it already holds for
 * a new one. Its condition lets the same Version through (`<=` where the solution has `<`), and it
 * records each record's sequence number, so an exact copy rewrites the trade; this pipeline's Map
 * then counts the rewrite as a new message. Every deliberate duplicate of a Lab 2 round is counted
 * again; older versions are still skipped. No failure injection: rounds run with none.
 */
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { forEachInOrder } from '../../../pipeline/shared/in-order';
import { decodeKinesisRecord, stateItem } from '../../../pipeline/shared/state-records';
import { pipelineTables } from '../../../pipeline/shared/table-names';

const dynamodb = new DynamoDBClient({});
const tables = pipelineTables();

export const handler = async (event: KinesisStreamEvent, _context: Context): Promise<void> => {
  await forEachInOrder(event.Records, async (record) => {
    const message = decodeKinesisRecord(record);
    try {
      await dynamodb.send(
        new PutItemCommand({
          TableName: tables.state,
          Item: { ...stateItem(message), SequenceNumber: { S: record.kinesis.sequenceNumber } },
          ConditionExpression: 'attribute_not_exists(id) OR Version <= :new_version',
          ExpressionAttributeValues: { ':new_version': { N: String(message.Version) } },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  });
};
