/**
 * AWS SDK v3 clients for a team's resources or the organiser store, reused per connection: keep-alive
 * HTTP/1.1 agents (the local Kinesis emulator refuses HTTP/2), bounded timeouts so one unreachable
 * team never stalls others, dummy credentials for local endpoints, and an assumed role for AWS teams.
 */
import http from 'node:http';
import https from 'node:https';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** How to reach one team's (or the organiser's) resources. */
export interface Connection {
  region: string;
  /** Local DynamoDB endpoint (DynamoDB Local); absent on AWS. */
  dynamodbEndpoint?: string;
  /** Local Kinesis endpoint (the emulator); absent on AWS. */
  kinesisEndpoint?: string;
  /** Role to assume on AWS (cross-account access to the team's stack). */
  roleArn?: string;
  externalId?: string;
}

export interface ClientTimeouts {
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
}

const DEFAULT_TIMEOUTS: ClientTimeouts = { connectionTimeoutMs: 3000, requestTimeoutMs: 15000 };

/** Credentials that local emulators accept; they never leave this machine. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

function requestHandler(timeouts: ClientTimeouts): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: agents.http,
    httpsAgent: agents.https,
    connectionTimeout: timeouts.connectionTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
  });
}

function credentialsFor(connection: Connection, endpoint: string | undefined) {
  if (endpoint) return LOCAL_CREDENTIALS;
  if (connection.roleArn) {
    return fromTemporaryCredentials({
      params: {
        RoleArn: connection.roleArn,
        ExternalId: connection.externalId,
        RoleSessionName: 'workshop-scoreboard',
      },
      clientConfig: { region: connection.region },
    });
  }
  return undefined;
}

function baseConfig(connection: Connection, endpoint: string | undefined, timeouts: ClientTimeouts) {
  return {
    region: connection.region,
    endpoint,
    credentials: credentialsFor(connection, endpoint),
    requestHandler: requestHandler(timeouts),
  };
}

const cache = new Map<string, unknown>();

function cached<T>(kind: string, connection: Connection, timeouts: ClientTimeouts, create: () => T): T {
  const key = JSON.stringify([kind, connection, timeouts]);
  let client = cache.get(key) as T | undefined;
  if (!client) {
    client = create();
    cache.set(key, client);
  }
  return client;
}

export function dynamoDbClient(connection: Connection, timeouts: ClientTimeouts = DEFAULT_TIMEOUTS): DynamoDBClient {
  return cached('dynamodb', connection, timeouts, () => new DynamoDBClient(baseConfig(connection, connection.dynamodbEndpoint, timeouts)));
}

export function dynamoDbStreamsClient(connection: Connection, timeouts: ClientTimeouts = DEFAULT_TIMEOUTS): DynamoDBStreamsClient {
  return cached('dynamodbstreams', connection, timeouts, () => new DynamoDBStreamsClient(baseConfig(connection, connection.dynamodbEndpoint, timeouts)));
}

export function kinesisClient(connection: Connection, timeouts: ClientTimeouts = DEFAULT_TIMEOUTS): KinesisClient {
  return cached('kinesis', connection, timeouts, () => new KinesisClient(baseConfig(connection, connection.kinesisEndpoint, timeouts)));
}
