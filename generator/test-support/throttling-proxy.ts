/**
 * A Kinesis endpoint for tests that throttles like the real service: it forwards every call to the
 * emulator, except that PutRecords records it chooses to reject are not forwarded and come back with
 * `ProvisionedThroughputExceededException` in their place (kinesalite itself never throttles).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

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

export interface ThrottlingProxy {
  endpoint: string;
  /** Records rejected so far. */
  rejected(): number;
  close(): Promise<void>;
}

function forward(upstream: URL, request: http.IncomingMessage, body: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
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

/** Starts the proxy; `shouldReject(partitionKey, attempt)` decides per record and attempt (1, 2, …). */
export async function startThrottlingProxy(
  upstreamEndpoint: string,
  shouldReject: (partitionKey: string, attempt: number) => boolean,
): Promise<ThrottlingProxy> {
  const upstream = new URL(upstreamEndpoint);
  const attempts = new Map<string, number>();
  let rejectedCount = 0;

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      let body = Buffer.concat(chunks);
      const rejectedPositions = new Set<number>();
      let original: PutRecordsRequest | null = null;
      if (request.headers['x-amz-target'] === 'Kinesis_20131202.PutRecords') {
        original = JSON.parse(body.toString('utf8')) as PutRecordsRequest;
        original.Records.forEach((record, position) => {
          const attempt = (attempts.get(record.PartitionKey) ?? 0) + 1;
          attempts.set(record.PartitionKey, attempt);
          if (shouldReject(record.PartitionKey, attempt)) rejectedPositions.add(position);
        });
        body = Buffer.from(JSON.stringify({ ...original, Records: original.Records.filter((_, position) => !rejectedPositions.has(position)) }));
      }
      const throttled = (): PutRecordsEntry => {
        rejectedCount += 1;
        return {
          ErrorCode: 'ProvisionedThroughputExceededException',
          ErrorMessage: 'Rate exceeded for shard shardId-000000000000 in stream test under account 000000000000.',
        };
      };
      try {
        if (original && rejectedPositions.size === original.Records.length) {
          response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'proxy' });
          response.end(JSON.stringify({ FailedRecordCount: rejectedPositions.size, Records: original.Records.map(throttled) }));
          return;
        }
        const answer = await forward(upstream, request, body);
        let payload = answer.body;
        if (original && answer.status === 200 && rejectedPositions.size > 0) {
          const accepted = (JSON.parse(payload.toString('utf8')) as { Records: PutRecordsEntry[] }).Records;
          let next = 0;
          const records = original.Records.map((_, position) => (rejectedPositions.has(position) ? throttled() : accepted[next++]));
          payload = Buffer.from(JSON.stringify({ FailedRecordCount: rejectedPositions.size, Records: records }));
        }
        response.writeHead(answer.status, {
          'content-type': answer.headers['content-type'] ?? 'application/x-amz-json-1.1',
          'x-amzn-requestid': String(answer.headers['x-amzn-requestid'] ?? 'proxy'),
        });
        response.end(payload);
      } catch (error) {
        response.writeHead(502);
        response.end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    rejected: () => rejectedCount,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
