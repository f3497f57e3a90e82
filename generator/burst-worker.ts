/**
 * A thread of `BurstWorkers` (./burst-workers.ts): makes the rounds it is asked for (`makeRound`) and
 * keeps their records, answering with their totals only; sends a kept round's records into a team's
 * stream when asked (`sendRecordsWith`: the same lanes, turns, retries and deadlines as on the main
 * thread), and forgets a round once it is sent or released. Its Kinesis clients sign with credentials
 * asked of the main thread, whose client for the connection holds them (an assumed role's, renewed
 * there), asked as soon as a round is made for that connection rather than when its burst begins:
 * the SDK here asks again when the ones it has are within 5 minutes of their expiry.
 */
import { parentPort } from 'node:worker_threads';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { type Connection, kinesisClientWith, type SigningCredentials } from '@/lib/aws/clients';
import { errorMessage, RoleAssumptionError } from '@/lib/errors';
import type { BurstReply, BurstRequest, CredentialsFailure } from './burst-workers';
import { makeRound, type StreamRecord } from './messages';
import { SendError, sendRecordsWith } from './sender';

const port = parentPort;
if (!port) throw new Error('generator/burst-worker.ts runs as a worker thread of BurstWorkers');
const reply = (message: BurstReply) => port.postMessage(message);

/** The records of the rounds made here and not yet sent or released, by round id. */
const rounds = new Map<number, StreamRecord[]>();
/** The sends in progress, by request id. */
const sends = new Map<number, AbortController>();
const clients = new Map<string, KinesisClient>();
const credentialRequests = new Map<number, { resolve: (credentials: SigningCredentials) => void; reject: (error: Error) => void }>();
let nextCredentialRequest = 1;

function failureOf(failure: CredentialsFailure): Error {
  return failure.roleArn === undefined ? new Error(failure.message) : new RoleAssumptionError(failure.roleArn, failure.externalId, new Error(failure.message));
}

function askCredentials(connection: Connection): Promise<SigningCredentials> {
  const id = nextCredentialRequest++;
  return new Promise((resolve, reject) => {
    credentialRequests.set(id, { resolve, reject });
    reply({ type: 'credentials', id, connection });
  });
}

function clientFor(connection: Connection): KinesisClient {
  const key = JSON.stringify(connection);
  let client = clients.get(key);
  if (!client) {
    client = kinesisClientWith(connection, () => askCredentials(connection));
    clients.set(key, client);
  }
  return client;
}

function send(request: Extract<BurstRequest, { type: 'send' }>): void {
  const records = rounds.get(request.round);
  rounds.delete(request.round);
  if (!records) {
    reply({ type: 'failed', id: request.id, error: `round ${request.round}'s records are not on its burst worker (released, or the worker restarted)` });
    return;
  }
  const controller = new AbortController();
  sends.set(request.id, controller);
  sendRecordsWith(clientFor(request.connection), request.streamName, records, {
    maxAttempts: request.maxAttempts,
    deadlineMs: request.deadlineMs,
    startAt: request.startAt,
    signal: controller.signal,
    onProgress: request.progress ? (acknowledged, total) => reply({ type: 'progress', id: request.id, acknowledged, total }) : undefined,
  })
    .then((report) => reply({ type: 'sent', id: request.id, report }))
    .catch((error: unknown) =>
      reply(
        error instanceof SendError
          ? { type: 'failed', id: request.id, sendError: { kind: error.kind, message: error.message, acknowledged: error.acknowledged } }
          : { type: 'failed', id: request.id, error: errorMessage(error) },
      ),
    )
    .finally(() => sends.delete(request.id));
}

port.on('message', (request: BurstRequest) => {
  switch (request.type) {
    case 'make':
      try {
        const { records, ...totals } = makeRound(request.stampedAt === undefined ? request.plan : { ...request.plan, now: () => request.stampedAt! });
        rounds.set(request.id, records);
        reply({ type: 'made', id: request.id, totals });
        // A failure here is the burst's to report, when it asks again.
        if (request.sendsTo)
          clientFor(request.sendsTo)
            .config.credentials()
            .catch(() => undefined);
      } catch (error) {
        reply({ type: 'failed', id: request.id, error: errorMessage(error) });
      }
      return;
    case 'send':
      send(request);
      return;
    case 'abort':
      sends.get(request.id)?.abort(request.reason);
      return;
    case 'release':
      rounds.delete(request.round);
      return;
    case 'credentials': {
      const waiting = credentialRequests.get(request.id);
      credentialRequests.delete(request.id);
      if (request.credentials) waiting?.resolve(request.credentials);
      else waiting?.reject(failureOf(request.failure ?? { message: 'no credentials' }));
      return;
    }
  }
});
