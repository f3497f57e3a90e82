/**
 * Timed rounds made ahead (issue 13 point 2) against real emulators and a real organiser store: the
 * scheduler makes a timed round's messages before its start, under the round number it expects, and
 * stamps them with the scheduled start; a round started by an organiser command in between takes that
 * number, and the timed round then makes its messages when it begins (just ahead of its start, and
 * stamped with it). A timed round's burst reaches the stream from its scheduled start. Whatever happened, the records in
 * the team's stream are exactly those of the seed its round recorded. The team has no pipeline: its
 * rounds fail at their short deadline, which does not matter here.
 */
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { kinesisClient } from '@/lib/aws/clients';
import type { Round } from '@/lib/store/types';
import { eventually } from '@/testing/eventually';
import { dynamoDbFixture, kinesisFixture, quietTeamFixture } from '@/testing/fixtures';
import { freshOrganiserStore, readyLocalTeam } from '@/testing/organiser-store';
import { makeRound } from './messages';
import { Scheduler } from './scheduler';

const MESSAGES = 200;
const kinesis = kinesisFixture();
const organiserDb = dynamoDbFixture();
/** One shard, so the stream keeps the send order and round k is the k-th run of MESSAGES records. */
const team = quietTeamFixture(kinesis);

async function streamRecords(): Promise<Array<{ data: string; arrivedAt: number }>> {
  const client = kinesisClient(team().connection);
  const { streamName } = team().resources;
  let { ShardIterator } = await client.send(
    new GetShardIteratorCommand({ StreamName: streamName, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }),
  );
  const records: Array<{ data: string; arrivedAt: number }> = [];
  while (ShardIterator) {
    const page = await client.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
    records.push(
      ...(page.Records ?? []).map((record) => ({ data: Buffer.from(record.Data!).toString('utf8'), arrivedAt: record.ApproximateArrivalTimestamp!.getTime() })),
    );
    if (!page.Records?.length) break;
    ShardIterator = page.NextShardIterator;
  }
  return records;
}

const stampsOf = (records: readonly string[]) => records.map((data) => (JSON.parse(data) as { Timestamp: number }).Timestamp * 1000);
const withoutTimestamp = (data: string) => data.replace(/"Timestamp":[0-9.e+]+,/, '');

describe('timed rounds made ahead', () => {
  it('sends the messages of each recorded seed, stamped with the scheduled start when made ahead, and made at the start when a command round took the number', async () => {
    const store = await freshOrganiserStore(organiserDb(), 'ahead', { roundIntervalSeconds: 20, roundMessages: MESSAGES, roundDeadlineSeconds: 1 });
    await store.createTeam(readyLocalTeam(team()));
    const scheduler = new Scheduler({ store, tickMs: 200, firstRoundDelayMs: 3000, log: () => undefined });
    scheduler.start();
    try {
      const firstAt = await eventually('the first timed round to be scheduled', async () => (await store.getSettings()).nextRoundAt);
      const closed = (count: number) =>
        eventually(
          `${count} rounds to close`,
          async () => (await store.listRounds('quiet', { after: 0 })).filter((round) => round.status !== 'running'),
          (rounds) => rounds.length >= count,
          { timeoutMs: 60_000 },
        );
      await closed(1);
      // The next timed round is made ahead (within 15 s of its start, and it is 20 s after the first):
      // a command round now takes the number it was made for.
      const secondAt = await eventually(
        'the second timed round to be scheduled',
        async () => (await store.getSettings()).nextRoundAt,
        (at) => at !== null && at !== firstAt && Date.parse(at) - Date.now() < 12_000,
      );
      await store.enqueueCommand({ type: 'start-round' });
      const rounds: Round[] = await closed(3);
      const arrived = await streamRecords();
      const records = arrived.map((record) => record.data);
      expect(records).toHaveLength(3 * MESSAGES);
      const [, command, second] = rounds;
      expect(rounds.map((round) => round.number)).toEqual([1, 2, 3]);
      expect(Date.parse(command!.startedAt)).toBeLessThan(Date.parse(secondAt!));
      expect(Date.parse(second!.startedAt)).toBeGreaterThanOrEqual(Date.parse(secondAt!));
      rounds.forEach((round, index) => {
        const sent = records.slice(index * MESSAGES, (index + 1) * MESSAGES);
        const expected = makeRound({ seed: round.seed, lab: round.lab, messages: MESSAGES, now: () => 0 });
        expect(sent.map(withoutTimestamp)).toEqual(expected.records.map((record) => withoutTimestamp(record.Data)));
      });
      // Made ahead: every message stamped with the scheduled start. Not made ahead (a command round took
      // the number it was made for): made when the round began, up to START_LEAD_MS ahead of its
      // scheduled start, and stamped with it (after it, had the round begun late). The command round's
      // are stamped when made, before it.
      expect(new Set(stampsOf(records.slice(0, MESSAGES)))).toEqual(new Set([Date.parse(firstAt!)]));
      expect(Math.min(...stampsOf(records.slice(2 * MESSAGES)))).toBeGreaterThanOrEqual(Date.parse(secondAt!));
      expect(Math.max(...stampsOf(records.slice(MESSAGES, 2 * MESSAGES)))).toBeLessThan(Date.parse(secondAt!));
      // A timed round's burst waits for its scheduled start, however early the round began.
      expect(Math.min(...arrived.slice(0, MESSAGES).map((record) => record.arrivedAt))).toBeGreaterThanOrEqual(Date.parse(firstAt!));
      expect(Math.min(...arrived.slice(2 * MESSAGES).map((record) => record.arrivedAt))).toBeGreaterThanOrEqual(Date.parse(secondAt!));
    } finally {
      await scheduler.stop();
    }
  });
});
