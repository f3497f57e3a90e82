/**
 * Rounds made and sent from burst workers (./burst-workers.ts), against stand-ins speaking Kinesis's
 * and STS's wire protocols: a round's totals are makeRound's and its burst reaches the stream whole
 * from the worker; a role the organiser cannot assume (credentials are asked of this thread) ends
 * the burst as the organiser's problem; the round's abort signal stops a burst to a stream that never
 * answers; bursts given a start time send from then, fairly (every team's first call before any
 * team's second); a released round's records are gone. That the records are exactly a seed's is
 * made-ahead.test.ts's (the scheduler, through its workers, into kinesalite).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Connection, LOCAL_CREDENTIALS } from '@/lib/aws/clients';
import { LOCAL_REGION } from '@/lib/local/emulators';
import { startAcknowledgingKinesis, startSts, startUnansweringEndpoint } from '@/testing/aws-stand-ins';
import { eventually } from '@/testing/eventually';
import { fixture } from '@/testing/fixtures';
import { BurstWorkers } from './burst-workers';
import { makeRound } from './messages';
import { SendError } from './sender';

const kinesis = fixture(
  'a Kinesis that acknowledges every record',
  () => startAcknowledgingKinesis(2),
  (stand) => stand.close(),
);
const sts = fixture(
  'the STS stand-in (refusing every role)',
  () => startSts(),
  (stand) => stand.close(),
);
const unanswering = fixture('an endpoint that never answers', startUnansweringEndpoint, (endpoint) => endpoint.close());
const workers = new BurstWorkers(2);
afterAll(() => workers.close());

const STAMP = Date.parse('2026-12-02T12:00:00Z');

describe('burst workers', () => {
  it("make a round with makeRound's totals and send its burst whole from the worker", async () => {
    const plan = { seed: 7, lab: 2 as const, messages: 1200 };
    const made = await workers.make(plan, STAMP);
    const { records, ...totals } = makeRound({ ...plan, now: () => STAMP });
    expect({ ...made, heldBy: undefined }).toEqual({ ...totals, heldBy: undefined });
    const connection: Connection = { region: LOCAL_REGION, kinesisEndpoint: kinesis().endpoint };
    const report = await workers.send(made, connection, 'whole-stream', {});
    expect(report.records).toBe(records.length);
    const calls = kinesis()
      .calls()
      .filter((call) => call.streamName === 'whole-stream');
    expect(calls.reduce((sum, call) => sum + call.records, 0)).toBe(records.length);
  });

  describe('with a role to assume', () => {
    const saved = { ...process.env };
    beforeAll(() => {
      // The SDK's standard variables: STS is the stand-in, and these are the organiser's own credentials.
      process.env.AWS_ENDPOINT_URL_STS = sts().endpoint;
      process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
    });
    afterAll(() => {
      process.env = saved;
    });

    it("ends the burst as the organiser's problem when the role cannot be assumed", async () => {
      const roleArn = 'arn:aws:iam::333333333333:role/workshop-scoreboard';
      const connection: Connection = { region: LOCAL_REGION, kinesisEndpoint: kinesis().endpoint, roleArn, externalId: 'some-id' };
      const made = await workers.make({ seed: 8, lab: 1, messages: 100 });
      const failure = await workers.send(made, connection, 'refused-stream', {}).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(SendError);
      expect((failure as SendError).kind).toBe('role-assumption');
      expect((failure as SendError).message).toContain(`could not assume role ${roleArn}`);
      expect(sts().asked()).toContainEqual({ roleArn, externalId: 'some-id' });
      expect(
        kinesis()
          .calls()
          .filter((call) => call.streamName === 'refused-stream'),
      ).toEqual([]);
    });
  });

  it("stops a burst to a stream that never answers at the round's abort signal", async () => {
    const made = await workers.make({ seed: 9, lab: 1, messages: 100 });
    const controller = new AbortController();
    const connection: Connection = { region: LOCAL_REGION, kinesisEndpoint: unanswering().endpoint };
    const sending = workers.send(made, connection, 'hung-stream', { signal: controller.signal }).catch((error: unknown) => error);
    await eventually(
      'the worker to call the stream',
      async () => unanswering().connections(),
      (connections) => connections > 0,
    );
    controller.abort('the round was stopped');
    const failure = await sending;
    expect(failure).toBeInstanceOf(SendError);
    expect((failure as SendError).kind).toBe('aborted');
  });

  it("sends bursts given one start time from then, every team's first call before any team's second", async () => {
    // One worker: the calls of the bursts it sends take turns (sender.ts, CallTurns).
    const single = new BurstWorkers(1);
    try {
      const connection: Connection = { region: LOCAL_REGION, kinesisEndpoint: kinesis().endpoint };
      const streams = Array.from({ length: 8 }, (_, index) => `fair-stream-${index}`);
      const made = await Promise.all(streams.map((_, index) => single.make({ seed: 20 + index, lab: 1, messages: 2000 })));
      const startAt = Date.now() + 2000;
      const reports = await Promise.all(made.map((round, index) => single.send(round, connection, streams[index]!, { startAt })));
      expect(reports.map((report) => report.records)).toEqual(streams.map(() => 2000));
      const calls = kinesis()
        .calls()
        .filter((call) => streams.includes(call.streamName));
      expect(Math.min(...calls.map((call) => call.receivedAt))).toBeGreaterThanOrEqual(startAt);
      // Each stream's calls in the order they arrived: the first of every stream before the second of any.
      const order = streams.map((stream) => calls.flatMap((call, index) => (call.streamName === stream ? [index] : [])));
      expect(order.every((indices) => indices.length >= 2)).toBe(true);
      expect(Math.max(...order.map((indices) => indices[0]!))).toBeLessThan(Math.min(...order.map((indices) => indices[1]!)));
    } finally {
      await single.close();
    }
  });

  it('forgets a released round', async () => {
    const made = await workers.make({ seed: 10, lab: 1, messages: 100 });
    workers.release(made);
    const connection: Connection = { region: LOCAL_REGION, kinesisEndpoint: kinesis().endpoint };
    await expect(workers.send(made, connection, 'released-stream', {})).rejects.toThrow(/not on its burst worker/);
  });
});
