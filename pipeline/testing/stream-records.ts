/**
 * Builders of Lambda-shaped trigger records for tests: Kinesis records carrying risk messages, and
 * DynamoDB stream records (INSERT, MODIFY, REMOVE) of StateTable and ReduceTable items.
 */
import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { partitionKeyOf, type RiskMessage, serialiseMessage } from '../../lib/domain/message';
import type { StreamImage } from '../shared/map-math';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

/** A Kinesis trigger record exactly as Lambda delivers it (base64 data, sequence number, eventID). */
export function kinesisRecord(
  message: RiskMessage,
  sequenceNumber: string,
  shardId = 'shardId-000000000000',
  streamName = 'IncomingDataStream',
): KinesisStreamRecord {
  const data = serialiseMessage(message);
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: partitionKeyOf(data),
      sequenceNumber,
      data: Buffer.from(data).toString('base64'),
      approximateArrivalTimestamp: Date.now() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/StateLambdaRole`,
    awsRegion: REGION,
    eventSourceARN: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${streamName}`,
  };
}

/** A Kinesis event of messages on one shard, with increasing sequence numbers starting at `firstSequence`. */
export function kinesisEvent(messages: readonly RiskMessage[], firstSequence = 1): KinesisStreamEvent {
  return {
    Records: messages.map((message, index) =>
      kinesisRecord(message, String(BigInt('49590338271490256608559692538361571095921575989136588898') + BigInt(firstSequence + index))),
    ),
  };
}

/** Converts an item written with the SDK (strings and numbers only) into a stream image. */
export function imageOf(item: Record<string, SdkAttributeValue>): StreamImage {
  const image: StreamImage = {};
  for (const [name, value] of Object.entries(item)) {
    if (value.S !== undefined) image[name] = { S: value.S };
    else if (value.N !== undefined) image[name] = { N: value.N };
    else throw new Error(`attribute ${name}: only S and N are supported here`);
  }
  return image;
}

let sequence = 1000;

function streamRecord(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  keyName: string,
  newImage?: StreamImage,
  oldImage?: StreamImage,
  table = 'StateTable',
): DynamoDBRecord {
  const image = newImage ?? oldImage;
  if (!image) throw new Error('a stream record needs an image');
  const key = image[keyName];
  if (!key) throw new Error(`the image has no key attribute ${keyName}`);
  sequence += 1;
  return {
    eventID: `event-${sequence}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: REGION,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
      Keys: { [keyName]: key },
      ...(newImage ? { NewImage: newImage } : {}),
      ...(oldImage ? { OldImage: oldImage } : {}),
      SequenceNumber: String(sequence).padStart(21, '0'),
      SizeBytes: 100,
      StreamViewType: table === 'StateTable' ? 'NEW_AND_OLD_IMAGES' : 'NEW_IMAGE',
    },
    eventSourceARN: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}/stream/2024-01-01T00:00:00.000`,
  };
}

/** A StateTable stream record of a new trade. */
export function insertRecord(image: StreamImage): DynamoDBRecord {
  return streamRecord('INSERT', 'id', image);
}

/** A StateTable stream record of a trade replaced by a newer version. */
export function modifyRecord(oldImage: StreamImage, newImage: StreamImage): DynamoDBRecord {
  return streamRecord('MODIFY', 'id', newImage, oldImage);
}

/** A StateTable stream record of a removed trade. */
export function removeRecord(oldImage: StreamImage): DynamoDBRecord {
  return streamRecord('REMOVE', 'id', undefined, oldImage);
}

/** A ReduceTable stream record of a new pre-aggregate item. */
export function reduceInsertRecord(image: StreamImage): DynamoDBRecord {
  return streamRecord('INSERT', 'MessageId', image, undefined, 'ReduceTable');
}
