/**
 * A remote team's channel (./agent-channel.ts) over reads of the test's own, as the scheduler's agent
 * stream or the organiser store answer them: the round takes uploads received since the agent's
 * start, on the organiser's clock, and never goes back to an older upload than one it has read (an
 * agent whose stream dropped uploads over HTTP meanwhile; the stream's memory, linked again, may
 * hold an older one).
 */
import { describe, expect, it } from 'vitest';
import type { RemoteRoundReads, TableUpload } from '@/lib/store/agent-records';
import { newRemoteTeam } from '@/lib/store/team-records';
import type { Round, Team } from '@/lib/store/types';
import { agentChannel, roundOffer } from './agent-channel';

const START = Date.now();
const at = (seconds: number) => new Date(START + seconds * 1000).toISOString();

const team: Team = { ...newRemoteTeam('blue-whales', 'Blue Whales', 'eu-west-1'), remote: { lastSeenAt: at(0), seenUntil: at(3600), agent: null } };
const round: Round = {
  team: team.slug,
  number: 7,
  lab: 1,
  seed: 7,
  status: 'running',
  startedAt: at(0),
  points: 0,
  offer: roundOffer({ messages: 200, deadlineSeconds: 30 }, new Date(START)),
  agentStart: { startId: 'start-aaaa-1', startedAt: at(1), unreadable: [] },
  baseline: { PV: '1.00' },
};

const upload = (receivedSeconds: number, pv: string): TableUpload => ({
  team: team.slug,
  values: { PV: pv },
  unreadable: [],
  readAt: null,
  receivedAt: at(receivedSeconds),
});

/** Reads that answer the started round and, at each look, the next of `uploads`. */
function readsOf(uploads: Array<TableUpload | null>): RemoteRoundReads {
  return {
    round: async () => round,
    upload: async () => uploads.shift() ?? null,
    team: async () => team,
  };
}

describe('a remote round’s reads of the agent’s uploads', () => {
  it('takes the baseline until an upload since the start, then each newer upload, never an older one', async () => {
    const channel = agentChannel({ reads: readsOf([upload(0.5, '9.99'), upload(5, '10.50'), upload(3, '10.20'), upload(8, '10.60')]), team, round });
    const signal = new AbortController().signal;
    const prepared = await channel.prepare(undefined, signal);
    expect(prepared).toMatchObject({ baseline: new Map([['PV', '1.00']]), sendingSince: START + 1000 });
    const pv = async () => {
      const read = await channel.read(signal);
      return [read.values.get('PV'), read.since - START];
    };
    expect(await pv()).toEqual(['1.00', 1000]); // received before the start: not the round's
    expect(await pv()).toEqual(['10.50', 5000]);
    expect(await pv()).toEqual(['10.50', 5000]); // an older upload than the one read
    expect(await pv()).toEqual(['10.60', 8000]);
  });
});
