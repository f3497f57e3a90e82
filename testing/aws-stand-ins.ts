/**
 * Stand-ins for what the emulators do not do, each an HTTP proxy in front of one of them that
 * forwards every call except those it answers itself as AWS would: Kinesis throttling a shard
 * (kinesalite never throttles) and IAM refusing a call the credentials may not make (DynamoDB Local
 * checks no permissions). Only the AWS JSON protocol (X-Amz-Target) is understood. Also a service
 * that hangs (accepts connections, never answers), STS's AssumeRole, and a Kinesis that acknowledges
 * every record without keeping it (for measuring the sender's side of many teams).
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { ListShardsCommand } from '@aws-sdk/client-kinesis';
import { shardIndexOf } from '@/generator/sender';
import { kinesisClient } from '@/lib/aws/clients';
import { LOCAL_REGION } from '@/lib/local/emulators';

interface Forwarded {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One call through the proxy: its operation (e.g. `PutRecords`), who signed it, its JSON body, and how to pass it on. */
export interface ProxiedCall {
  operation: string;
  /** The access key id of the credentials that signed the call (SigV4's `Credential=`), null when unsigned. */
  accessKeyId: string | null;
  body: Buffer;
  forward(body?: Buffer): Promise<Forwarded>;
}

export interface AwsProxy {
  endpoint: string;
  close(): Promise<void>;
}

function forwardTo(upstream: URL, request: http.IncomingMessage, body: Buffer): Promise<Forwarded> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: request.url,
        method: request.method,
        headers: { ...request.headers, 'content-length': String(body.length), host: upstream.host },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 500, headers: response.headers, body: Buffer.concat(chunks) }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** What a stand-in answers to one request. */
interface Answer {
  status: number;
  headers: http.OutgoingHttpHeaders;
  body: string | Buffer;
}

/**
 * An HTTP server on a loopback port the OS hands out that reads each request whole and answers what
 * `answer` says (502 with the error when it throws), with a request id as AWS does. Closing it
 * drops the connections still open.
 */
async function standIn(answer: (request: http.IncomingMessage, body: Buffer) => Answer | Promise<Answer>): Promise<AwsProxy> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      try {
        const answered = await answer(request, Buffer.concat(chunks));
        response.writeHead(answered.status, { 'x-amzn-requestid': 'stand-in', ...answered.headers });
        response.end(answered.body);
      } catch (error) {
        response.writeHead(502);
        response.end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Starts a proxy to `upstreamEndpoint`; `answer` decides each call (forwarding it, changed or not, or not). */
export function startAwsProxy(upstreamEndpoint: string, answer: (call: ProxiedCall) => Promise<Forwarded>): Promise<AwsProxy> {
  const upstream = new URL(upstreamEndpoint);
  return standIn(async (request, body) => {
    const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    const accessKeyId = /Credential=([^/,\s]+)\//.exec(String(request.headers.authorization ?? ''))?.[1] ?? null;
    const answered = await answer({ operation, accessKeyId, body, forward: (changed = body) => forwardTo(upstream, request, changed) });
    const headers = {
      'content-type': answered.headers['content-type'] ?? 'application/x-amz-json-1.0',
      'x-amzn-requestid': String(answered.headers['x-amzn-requestid'] ?? 'stand-in'),
    };
    return { status: answered.status, headers, body: answered.body };
  });
}

/** An answer of the AWS JSON protocol (1.0 for DynamoDB, 1.1 for Kinesis). */
function json(status: number, value: unknown, protocol: '1.0' | '1.1'): Forwarded {
  return { status, headers: { 'content-type': `application/x-amz-json-${protocol}` }, body: Buffer.from(JSON.stringify(value)) };
}

/** The tables a DynamoDB call names (TableName, or the keys of RequestItems, or its transaction's items). */
function tablesNamed(body: Buffer): string[] {
  const call = JSON.parse(body.toString('utf8') || '{}') as {
    TableName?: string;
    RequestItems?: Record<string, unknown>;
    TransactItems?: Array<Record<string, { TableName?: string }>>;
  };
  const fromTransaction = (call.TransactItems ?? []).flatMap((item) => Object.values(item).map((part) => part.TableName ?? ''));
  return [call.TableName ?? '', ...Object.keys(call.RequestItems ?? {}), ...fromTransaction].filter(Boolean);
}

/**
 * DynamoDB as credentials see it whose role may not use `deniedTable`: every call naming that table
 * gets AccessDeniedException (as AWS answers it), every other call reaches the emulator.
 */
export function startRefusingDynamoDb(upstreamEndpoint: string, deniedTable: string): Promise<AwsProxy> {
  return startAwsProxy(upstreamEndpoint, async (call) => {
    if (!tablesNamed(call.body).includes(deniedTable)) return call.forward();
    return json(
      400,
      {
        __type: 'com.amazonaws.dynamodb.v20120810#AccessDeniedException',
        Message: `User: arn:aws:sts::111111111111:assumed-role/scoreboard/round is not authorized to perform: dynamodb:${call.operation} on resource: arn:aws:dynamodb:us-east-1:111111111111:table/${deniedTable} because no identity-based policy allows the dynamodb:${call.operation} action`,
      },
      '1.0',
    );
  });
}

export interface ThrottlingKinesis extends AwsProxy {
  /** Records rejected so far. */
  rejected(): number;
  /** Every PutRecords call so far: the access key that signed it, the records it carried and how many of them were throttled. */
  putRecordsCalls(): Array<{ accessKeyId: string | null; records: number; throttled: number }>;
}

interface PutRecordsRequest {
  StreamName: string;
  Records: Array<{ Data: string; PartitionKey: string }>;
}

interface PutRecordsEntry {
  SequenceNumber?: string;
  ShardId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

/**
 * Kinesis that throttles like the real service: the records of a PutRecords call at the positions
 * `throttle` returns are not forwarded and come back with ProvisionedThroughputExceededException in
 * their place; the rest reach the emulator.
 */
async function startThrottlingProxy(upstreamEndpoint: string, throttle: (request: PutRecordsRequest) => Promise<Set<number>>): Promise<ThrottlingKinesis> {
  let rejectedCount = 0;
  const calls: Array<{ accessKeyId: string | null; records: number; throttled: number }> = [];
  const throttled = (): PutRecordsEntry => {
    rejectedCount += 1;
    return {
      ErrorCode: 'ProvisionedThroughputExceededException',
      ErrorMessage: 'Rate exceeded for shard shardId-000000000000 in stream test under account 000000000000.',
    };
  };
  const proxy = await startAwsProxy(upstreamEndpoint, async (call) => {
    if (call.operation !== 'PutRecords') return call.forward();
    const original = JSON.parse(call.body.toString('utf8')) as PutRecordsRequest;
    const rejected = await throttle(original);
    calls.push({ accessKeyId: call.accessKeyId, records: original.Records.length, throttled: rejected.size });
    if (rejected.size === original.Records.length) return json(200, { FailedRecordCount: rejected.size, Records: original.Records.map(throttled) }, '1.1');
    const answer = await call.forward(Buffer.from(JSON.stringify({ ...original, Records: original.Records.filter((_, position) => !rejected.has(position)) })));
    if (answer.status !== 200 || rejected.size === 0) return answer;
    const accepted = (JSON.parse(answer.body.toString('utf8')) as { Records: PutRecordsEntry[] }).Records;
    let next = 0;
    const records = original.Records.map((_, position) => (rejected.has(position) ? throttled() : accepted[next++]));
    return { ...answer, body: Buffer.from(JSON.stringify({ FailedRecordCount: rejected.size, Records: records })) };
  });
  return { ...proxy, rejected: () => rejectedCount, putRecordsCalls: () => [...calls] };
}

/**
 * Kinesis that throttles the records for which `shouldReject(partitionKey, attempt)` holds (attempt
 * 1, 2, … per partition key).
 */
export function startThrottlingKinesis(upstreamEndpoint: string, shouldReject: (partitionKey: string, attempt: number) => boolean): Promise<ThrottlingKinesis> {
  const attempts = new Map<string, number>();
  return startThrottlingProxy(upstreamEndpoint, async ({ Records }) => {
    const rejected = new Set<number>();
    Records.forEach((record, position) => {
      const attempt = (attempts.get(record.PartitionKey) ?? 0) + 1;
      attempts.set(record.PartitionKey, attempt);
      if (shouldReject(record.PartitionKey, attempt)) rejected.add(position);
    });
    return rejected;
  });
}

/** AWS's write limit of a Kinesis shard: records a second. */
export const SHARD_RECORDS_PER_SECOND = 1000;

/**
 * Kinesis with AWS's write limit per shard, in front of kinesalite (which has none): no shard of a
 * stream takes more than `recordsPerSecond` records within any second (a sliding window over the
 * records it took, each shard found by the partition key's hash in the stream's listed shards); the
 * records past it are throttled.
 */
export function startShardLimitedKinesis(upstreamEndpoint: string, recordsPerSecond = SHARD_RECORDS_PER_SECOND): Promise<ThrottlingKinesis> {
  const upstream = kinesisClient({ region: LOCAL_REGION, kinesisEndpoint: upstreamEndpoint });
  const shardsOf = new Map<string, Promise<Array<{ start: bigint; end: bigint }>>>();
  /** Per shard, when it took each record of the last second. */
  const taken = new Map<string, number[]>();
  const listShards = async (streamName: string) => {
    const { Shards = [] } = await upstream.send(new ListShardsCommand({ StreamName: streamName }));
    return Shards.filter((shard) => !shard.SequenceNumberRange?.EndingSequenceNumber)
      .map((shard) => ({ start: BigInt(shard.HashKeyRange?.StartingHashKey ?? '0'), end: BigInt(shard.HashKeyRange?.EndingHashKey ?? '0') }))
      .sort((a, b) => (a.start < b.start ? -1 : 1));
  };
  return startThrottlingProxy(upstreamEndpoint, async ({ StreamName, Records }) => {
    let shards = shardsOf.get(StreamName);
    if (!shards) {
      shards = listShards(StreamName);
      shardsOf.set(StreamName, shards);
    }
    const ranges = await shards;
    const now = Date.now();
    for (const [shard, times] of taken)
      taken.set(
        shard,
        times.filter((at) => at > now - 1000),
      );
    const rejected = new Set<number>();
    Records.forEach((record, position) => {
      const shard = `${StreamName}/${shardIndexOf(record.PartitionKey, ranges)}`;
      const times = taken.get(shard) ?? [];
      taken.set(shard, times);
      if (times.length >= recordsPerSecond) rejected.add(position);
      else times.push(now);
    });
    return rejected;
  });
}

export interface UnansweringEndpoint extends AwsProxy {
  /** Connections accepted so far. */
  connections(): number;
}

/** A service that hangs: it accepts TCP connections on loopback, reads what comes, and never answers. */
export async function startUnansweringEndpoint(): Promise<UnansweringEndpoint> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => accepted,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface StsStandIn extends AwsProxy {
  /** Every AssumeRole asked so far. */
  asked(): Array<{ roleArn: string; externalId: string | null }>;
  /** Every set of credentials issued so far: for which role, its access key id, and when it expires. */
  issued(): Array<{ roleArn: string; accessKeyId: string; expiration: string }>;
}

export interface StsOptions {
  /** Whether the caller may assume the role with that external id (default: never). */
  allows?: (roleArn: string, externalId: string | null) => boolean;
  /** Lifetime of the credentials it issues (default 900 s, AWS's minimum). */
  credentialSeconds?: number;
}

const ROLE_ARN = /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,64}$/;

function stsError(status: number, code: string, message: string): { status: number; body: string } {
  return {
    status,
    body: `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>stand-in</RequestId></ErrorResponse>`,
  };
}

/**
 * STS's AssumeRole as AWS answers it (Query protocol, XML): temporary credentials when `allows` lets
 * the caller in, `AccessDenied` (403) when the role's trust policy would not (a wrong external id,
 * an unknown role), `ValidationError` (400) for a malformed role ARN. Point the SDK at it with
 * `AWS_ENDPOINT_URL_STS`. The emulators take any credentials, so the issued ones work there.
 */
export async function startSts(options: StsOptions = {}): Promise<StsStandIn> {
  const asked: Array<{ roleArn: string; externalId: string | null }> = [];
  const issued: Array<{ roleArn: string; accessKeyId: string; expiration: string }> = [];
  const answer = (form: URLSearchParams): { status: number; body: string } => {
    const roleArn = form.get('RoleArn') ?? '';
    const externalId = form.get('ExternalId');
    asked.push({ roleArn, externalId });
    if (form.get('Action') !== 'AssumeRole') return stsError(400, 'InvalidAction', `the STS stand-in answers AssumeRole only, not ${form.get('Action')}`);
    if (!ROLE_ARN.test(roleArn)) return stsError(400, 'ValidationError', `${roleArn} is invalid`);
    if (!options.allows?.(roleArn, externalId)) {
      return stsError(
        403,
        'AccessDenied',
        `User: arn:aws:iam::999999999999:user/organiser is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      );
    }
    const id = asked.length;
    const expiration = new Date(Date.now() + (options.credentialSeconds ?? 900) * 1000).toISOString();
    const session = form.get('RoleSessionName') ?? 'session';
    const accessKeyId = `ASIASTANDIN${id}`;
    issued.push({ roleArn, accessKeyId, expiration });
    return {
      status: 200,
      body:
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
        `<AssumedRoleUser><Arn>${roleArn.replace(':iam:', ':sts:').replace(':role/', ':assumed-role/')}/${session}</Arn><AssumedRoleId>AROASTANDIN${id}:${session}</AssumedRoleId></AssumedRoleUser>` +
        `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>stand-in-secret-${id}</SecretAccessKey>` +
        `<SessionToken>stand-in-token-${id}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
        `</AssumeRoleResult><ResponseMetadata><RequestId>stand-in-${id}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
    };
  };
  const server = await standIn((_request, body) => ({ ...answer(new URLSearchParams(body.toString('utf8'))), headers: { 'content-type': 'text/xml' } }));
  return { ...server, asked: () => [...asked], issued: () => [...issued] };
}

/** One PutRecords call an acknowledging Kinesis answered. */
export interface PutRecordsCall {
  streamName: string;
  records: number;
  /** Date.now() when its whole body had arrived. */
  receivedAt: number;
}

export interface AcknowledgingKinesis extends AwsProxy {
  /** Every PutRecords call answered so far, in order. */
  calls(): PutRecordsCall[];
}

const MAX_HASH_KEY = 2n ** 128n - 1n;
const COUNTED = Buffer.from('"PartitionKey"');
const STREAM_NAME = /"StreamName":"([^"]+)"/;

/**
 * Kinesis as a sender sees a stream with `shardCount` open shards that accepts everything: ListShards
 * names the shards (the hash range split evenly), PutRecords acknowledges every record and keeps
 * nothing but the call's stream, record count and arrival time (a body is not parsed: its records are
 * counted by their PartitionKey fields, so the stand-in's own CPU stays small beside the sender's).
 * Any stream name exists. Other operations answer 400.
 */
export async function startAcknowledgingKinesis(shardCount = 4): Promise<AcknowledgingKinesis> {
  const calls: PutRecordsCall[] = [];
  const width = (MAX_HASH_KEY + 1n) / BigInt(shardCount);
  const shards = Array.from({ length: shardCount }, (_, index) => ({
    ShardId: `shardId-${String(index).padStart(12, '0')}`,
    HashKeyRange: {
      StartingHashKey: String(width * BigInt(index)),
      EndingHashKey: String(index === shardCount - 1 ? MAX_HASH_KEY : width * BigInt(index + 1) - 1n),
    },
    SequenceNumberRange: { StartingSequenceNumber: '1' },
  }));
  const acknowledgements = new Map<number, string>();
  const acknowledged = (records: number): string => {
    let body = acknowledgements.get(records);
    if (!body) {
      const entry = { SequenceNumber: '49000000000000000000000000000000000000000000000000000001', ShardId: shards[0]!.ShardId };
      body = JSON.stringify({ FailedRecordCount: 0, Records: Array.from({ length: records }, () => entry) });
      acknowledgements.set(records, body);
    }
    return body;
  };
  const answer = (operation: string, body: Buffer): { status: number; body: string } => {
    if (operation === 'ListShards') return { status: 200, body: JSON.stringify({ Shards: shards }) };
    if (operation !== 'PutRecords') {
      return {
        status: 400,
        body: JSON.stringify({ __type: 'InvalidArgumentException', message: `the stand-in answers ListShards and PutRecords only, not ${operation}` }),
      };
    }
    let records = 0;
    for (let at = body.indexOf(COUNTED); at !== -1; at = body.indexOf(COUNTED, at + COUNTED.length)) records++;
    const streamName = STREAM_NAME.exec(body.toString('utf8', 0, Math.min(body.length, 512)))?.[1] ?? STREAM_NAME.exec(body.toString('utf8'))?.[1] ?? '';
    calls.push({ streamName, records, receivedAt: Date.now() });
    return { status: 200, body: acknowledged(records) };
  };
  const server = await standIn((request, body) => {
    const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    return { ...answer(operation, body), headers: { 'content-type': 'application/x-amz-json-1.1' } };
  });
  return { ...server, calls: () => [...calls] };
}
