/**
 * AWS SDK v3 clients for a team's resources or the organiser store, reused per connection: keep-alive
 * HTTP/1.1 agents (the local Kinesis emulator refuses HTTP/2), timeouts that really end a call (a
 * request that never answers is cancelled, `throwOnRequestTimeout`), dummy credentials for local
 * endpoints, and an assumed role for AWS teams. The SDK's standard `AWS_ENDPOINT_URL_STS`,
 * `AWS_ENDPOINT_URL_DYNAMODB` and `AWS_ENDPOINT_URL_KINESIS` point AWS teams at stand-ins; a role is
 * assumed whenever the connection names one, endpoint or not. A role that cannot be assumed fails
 * every call with a `RoleAssumptionError` (lib/errors.ts): the organiser's problem, not the team's.
 */
import http from 'node:http';
import https from 'node:https';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { RoleAssumptionError } from '../errors';

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
    // Without it a request past requestTimeout only logs a warning and waits forever.
    throwOnRequestTimeout: true,
  });
}

/** Temporary credentials of the team's role; any failure to get them becomes a RoleAssumptionError. */
function assumedRole(connection: Connection & { roleArn: string }, timeouts: ClientTimeouts) {
  const provider = fromTemporaryCredentials({
    params: { RoleArn: connection.roleArn, ExternalId: connection.externalId, RoleSessionName: 'workshop-scoreboard' },
    clientConfig: { region: connection.region, requestHandler: requestHandler(timeouts), maxAttempts: 2 },
  });
  return async (options?: Parameters<typeof provider>[0]) => {
    try {
      return await provider(options);
    } catch (error) {
      throw new RoleAssumptionError(connection.roleArn, connection.externalId, error);
    }
  };
}

function credentialsFor(connection: Connection, endpoint: string | undefined, timeouts: ClientTimeouts) {
  if (connection.roleArn) return assumedRole({ ...connection, roleArn: connection.roleArn }, timeouts);
  if (endpoint) return LOCAL_CREDENTIALS;
  return undefined;
}

/** Credentials as a client signs with them (an access key, its secret and session token, and when they expire). */
export type SigningCredentials = Awaited<ReturnType<KinesisClient['config']['credentials']>>;

/** A client's configuration: the connection's own credentials, or those `credentials` gives. */
function baseConfig(connection: Connection, endpoint: string | undefined, timeouts: ClientTimeouts, credentials?: () => Promise<SigningCredentials>) {
  return {
    region: connection.region,
    endpoint,
    credentials: credentials ?? credentialsFor(connection, endpoint, timeouts),
    requestHandler: requestHandler(timeouts),
  };
}

/**
 * Without the SDK's logger middleware: given no logger, it still runs every command's input and
 * output through the sensitive-data filter (the default logger's `info` exists and does nothing), a
 * walk of every record of a PutRecords call and its answer, about a fifth of a burst's client CPU.
 */
function withoutLogging<T extends { middlewareStack: { remove(name: string): boolean } }>(client: T): T {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
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
  return cached('dynamodb', connection, timeouts, () => withoutLogging(new DynamoDBClient(baseConfig(connection, connection.dynamodbEndpoint, timeouts))));
}

export function dynamoDbStreamsClient(connection: Connection, timeouts: ClientTimeouts = DEFAULT_TIMEOUTS): DynamoDBStreamsClient {
  return cached('dynamodbstreams', connection, timeouts, () =>
    withoutLogging(new DynamoDBStreamsClient(baseConfig(connection, connection.dynamodbEndpoint, timeouts))),
  );
}

export function kinesisClient(connection: Connection, timeouts: ClientTimeouts = DEFAULT_TIMEOUTS): KinesisClient {
  return cached('kinesis', connection, timeouts, () => withoutLogging(new KinesisClient(baseConfig(connection, connection.kinesisEndpoint, timeouts))));
}

/**
 * Gets now the credentials this process's DynamoDB and Kinesis clients for `connection` sign with
 * (an assumed role's: assumed, or renewed when they near their expiry), so that a round's first
 * calls do not wait for STS. A failure is left for those calls to report.
 */
export async function warmCredentials(connection: Connection): Promise<void> {
  await Promise.allSettled([dynamoDbClient(connection).config.credentials(), kinesisClient(connection).config.credentials()]);
}

/**
 * The credentials this process's Kinesis client for `connection` signs with now: an assumed role's
 * are assumed on first use and renewed when they near their expiry (the SDK's memoised provider).
 * Rejects with a `RoleAssumptionError` when the role cannot be assumed.
 */
export function kinesisCredentials(connection: Connection): Promise<SigningCredentials> {
  return kinesisClient(connection).config.credentials();
}

/**
 * A Kinesis client for `connection` that gets its credentials from `credentials` (a burst worker's,
 * generator/burst-worker.ts: asked of the thread whose client holds them). Not cached: its caller keeps it.
 */
export function kinesisClientWith(connection: Connection, credentials: () => Promise<SigningCredentials>, timeouts = DEFAULT_TIMEOUTS): KinesisClient {
  return withoutLogging(new KinesisClient(baseConfig(connection, connection.kinesisEndpoint, timeouts, credentials)));
}
