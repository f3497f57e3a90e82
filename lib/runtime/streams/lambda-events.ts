/**
 * The event records Lambda delivers to stream-triggered functions (as the Lambda Developer Guide's
 * "Using Lambda with Kinesis" and "Using Lambda with DynamoDB" show them), built from what the
 * Kinesis and DynamoDB Streams APIs return, and the payload limit that caps a batch.
 */
import type { _Record as StreamsApiRecord, AttributeValue as StreamsAttributeValue } from '@aws-sdk/client-dynamodb-streams';
import type { _Record as KinesisApiRecord } from '@aws-sdk/client-kinesis';
import type { DynamoDBRecord, KinesisStreamRecord, AttributeValue as LambdaAttributeValue } from 'aws-lambda';

/** Lambda's synchronous invoke payload limit, which also caps a stream batch. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Bytes of `{"Records":[` … `]}` around the records. */
export const EVENT_ENVELOPE_BYTES = 14;

export interface KinesisSourceInfo {
  shardId: string;
  eventSourceArn: string;
  region: string;
  invokeIdentityArn: string;
}

/** A Kinesis record as Lambda delivers it: base64 data, arrival time in epoch seconds. */
export function kinesisEventRecord(record: KinesisApiRecord, source: KinesisSourceInfo): KinesisStreamRecord {
  const sequenceNumber = record.SequenceNumber ?? '';
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.PartitionKey ?? '',
      sequenceNumber,
      data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
      approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${source.shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: source.invokeIdentityArn,
    awsRegion: source.region,
    eventSourceARN: source.eventSourceArn,
  };
}

export interface DynamoDbSourceInfo {
  eventSourceArn: string;
  region: string;
}

/** DynamoDB JSON as Lambda delivers it: binary values base64-encoded. */
export function lambdaAttributeValue(value: StreamsAttributeValue): LambdaAttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((item) => Buffer.from(item).toString('base64')) };
  if (value.M !== undefined) return { M: lambdaImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(lambdaAttributeValue) };
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  throw new Error(`unsupported attribute value ${JSON.stringify(Object.keys(value))}`);
}

function lambdaImage(image: Record<string, StreamsAttributeValue>): Record<string, LambdaAttributeValue> {
  const converted: Record<string, LambdaAttributeValue> = {};
  for (const [name, value] of Object.entries(image)) converted[name] = lambdaAttributeValue(value);
  return converted;
}

/** A DynamoDB stream record as Lambda delivers it (images present per StreamViewType). */
export function dynamoDbEventRecord(record: StreamsApiRecord, source: DynamoDbSourceInfo): DynamoDBRecord {
  const change = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: source.region,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor((change.ApproximateCreationDateTime?.getTime() ?? 0) / 1000),
      ...(change.Keys && { Keys: lambdaImage(change.Keys) }),
      ...(change.NewImage && { NewImage: lambdaImage(change.NewImage) }),
      ...(change.OldImage && { OldImage: lambdaImage(change.OldImage) }),
      SequenceNumber: change.SequenceNumber,
      SizeBytes: change.SizeBytes,
      StreamViewType: change.StreamViewType,
    },
    eventSourceARN: source.eventSourceArn,
    ...(record.userIdentity && { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } }),
  };
}

/** DynamoDB Local puts "ddblocal" where AWS puts the region; Lambda's ARNs carry the region. */
export function withRegion(arn: string, region: string): string {
  return arn.replace(/^(arn:aws:[a-z0-9-]+:)ddblocal:/, `$1${region}:`);
}

/** Bytes a record adds to the invoke payload (its JSON plus a separating comma). */
export function payloadBytes(record: KinesisStreamRecord | DynamoDBRecord): number {
  return Buffer.byteLength(JSON.stringify(record)) + 1;
}
