/**
 * Figure 7: AWS teams at scale (issue 13 point 8). One scheduler process (generator/scheduler-main.ts,
 * as `npm start` runs it) serves 10, 50 and 100 `aws` teams, each reached through its own role as on
 * AWS, against stand-ins on this machine: STS's AssumeRole (testing/aws-stand-ins.ts, right external
 * id only), one DynamoDB Local holding the organiser store and every team's tables (each team its own
 * table names), and a Kinesis that acknowledges every PutRecords without keeping the records (so
 * the figure measures the scheduler, not an emulator). No pipelines: every round fails at its
 * deadline (no-change), which is the organiser's whole work per round. Per team count: the
 * scheduler's CPU per team-round (its process, its burst workers included), when each team's
 * first record reached Kinesis against the round's scheduled time (first and last team), send time
 * (first record to last, scheduler's clock), and rounds void, which here can only be ours.
 */
import path from 'node:path';
import { LOCAL_REGION, startDynamoDbLocal } from '@/lib/local/emulators';
import { freePort } from '@/lib/local/ports';
import { cpuTimeMs } from '@/lib/local/process-tree';
import { startNodeModule } from '@/lib/local/processes';
import { createTables } from '@/lib/local/team-resources';
import type { PipelineResources } from '@/lib/pipeline-resources';
import { OrganiserStore } from '@/lib/store/organiser-store';
import { newAwsTeam } from '@/lib/store/team-records';
import type { Round } from '@/lib/store/types';
import { type AcknowledgingKinesis, type PutRecordsCall, startAcknowledgingKinesis, startSts } from '@/testing/aws-stand-ins';
import { checkInterrupted, type FigureContext, type FigureOutput, sleep, type TableRow } from '../figure';
import { ROOT } from '../local-stack';
import { median, rounded, seconds } from '../stats';

export interface AwsTeamsInputs {
  teamCounts: number[];
  /** Timed rounds measured per team count. */
  rounds: number;
  messages: number;
  roundIntervalSeconds: number;
  deadlineSeconds: number;
  shardCount: number;
}

export interface RoundStarts {
  number: number;
  scheduledAt: string;
  /** Teams whose round started (the others' previous round still ran). */
  teamsStarted: number;
  /** Teams whose records reached Kinesis in this round. */
  teamsSending: number;
  /** The first and the last team's first record, after the scheduled time. */
  firstStartMs: number | null;
  lastStartMs: number | null;
  /** The last team's start of sending (its round recorded, failure percentages written and baseline read), after the scheduled time. */
  lastSendStartMs: number | null;
  /** Median and longest send (the scheduler's sendStartedAt to sentAt) over the teams. */
  medianSendMs: number | null;
  maxSendMs: number | null;
  /** The scheduler's CPU from this round's start to the next one's (the last: to its close), per team. */
  cpuPerTeamMs: number;
}

export interface AwsTeamsResult {
  teams: number;
  rounds: RoundStarts[];
  /** The scheduler's CPU while it waited for the first round (ticks, and that round's messages made ahead). */
  idleCpuMsPerSecond: number | null;
  teamRounds: number;
  /** DynamoDB Local's CPU (the organiser store and every team's tables) from the first round's start to the last one's close, per team-round. */
  dynamoDbCpuPerTeamRoundMs: number | null;
  /** Team-rounds not started because the team's previous round still ran. */
  skipped: number;
  statuses: Record<string, number>;
  voidReasons: string[];
}

export interface AwsTeamsResults {
  configurations: AwsTeamsResult[];
}

const EXTERNAL_ID = 'bench-external-id';
const roleOf = (index: number) => `arn:aws:iam::${String(100_000_000_000 + index)}:role/workshop-scoreboard`;
const slugOf = (index: number) => `aws-${String(index).padStart(3, '0')}`;

function resourcesOf(slug: string): PipelineResources {
  const prefix = slug.replace(/-/g, '');
  return {
    streamName: `${prefix}-stream`,
    stateTable: `${prefix}-State`,
    reduceTable: `${prefix}-Reduce`,
    aggregateTable: `${prefix}-Aggregate`,
    parameterTable: `${prefix}-Parameter`,
  };
}

/** The first call of each stream's burst for a round: the earliest call in [from, to). */
function firstCalls(calls: readonly PutRecordsCall[], from: number, to: number): Map<string, number> {
  const first = new Map<string, number>();
  for (const call of calls) {
    if (call.receivedAt < from || call.receivedAt >= to) continue;
    if (!first.has(call.streamName)) first.set(call.streamName, call.receivedAt);
  }
  return first;
}

async function measureTeams(
  teams: number,
  inputs: AwsTeamsInputs,
  parts: { dynamoDbEndpoint: string; dynamoDbPid: number | undefined; stsEndpoint: string; kinesis: AcknowledgingKinesis; tablesMade: Set<string> },
  context: FigureContext,
): Promise<AwsTeamsResult> {
  const table = `BenchAws${teams}-${Date.now()}`;
  const organiser = { region: LOCAL_REGION, dynamodbEndpoint: parts.dynamoDbEndpoint };
  const store = new OrganiserStore(organiser, table, {
    roundIntervalSeconds: inputs.roundIntervalSeconds,
    roundMessages: inputs.messages,
    roundDeadlineSeconds: inputs.deadlineSeconds,
  });
  await store.ensureTable();
  context.log(`  ${teams} aws teams: creating their tables…`);
  const slugs = Array.from({ length: teams }, (_, index) => slugOf(index + 1));
  for (const [index, slug] of slugs.entries()) {
    checkInterrupted(context.signal);
    const resources = resourcesOf(slug);
    // The same slugs come back with the next team count: their tables are made once.
    if (!parts.tablesMade.has(slug)) await createTables(organiser, resources);
    parts.tablesMade.add(slug);
    await store.createTeam(newAwsTeam({ slug, name: slug, region: LOCAL_REGION, roleArn: roleOf(index + 1), externalId: EXTERNAL_ID, resources }));
  }
  const scheduled: number[] = [];
  let leading: () => void = () => undefined;
  const led = new Promise<void>((resolve) => {
    leading = resolve;
  });
  const scheduler = startNodeModule(`scheduler-${teams}`, path.join(ROOT, 'generator/scheduler-main.ts'), [], {
    cwd: ROOT,
    logFile: path.join(context.workDirectory, `scheduler-${teams}.log`),
    onLine: (line) => {
      if (line.includes('leads the rounds')) leading();
    },
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ORGANISER_STORE_ENDPOINT: parts.dynamoDbEndpoint,
      ORGANISER_TABLE: table,
      AWS_REGION: LOCAL_REGION,
      AGENT_STREAM_PORT: '0', // AWS teams only
      // The organiser's own credentials (the stand-ins take any) and the SDK's standard endpoint variables.
      AWS_ACCESS_KEY_ID: 'organiser',
      AWS_SECRET_ACCESS_KEY: 'organiser-secret',
      AWS_ENDPOINT_URL_STS: parts.stsEndpoint,
      AWS_ENDPOINT_URL_DYNAMODB: parts.dynamoDbEndpoint,
      AWS_ENDPOINT_URL_KINESIS: parts.kinesis.endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  try {
    await Promise.race([led, scheduler.exited.then(() => Promise.reject(new Error(`the scheduler exited:\n${scheduler.recentOutput()}`)))]);
    const cpuNow = () => cpuTimeMs(scheduler.pid!) ?? 0;
    // The scheduled times, as the scheduler keeps them for the countdown, and its CPU when each was first
    // seen (round k's next time appears as round k starts); paused once the last measured round started.
    const cpuAt: Array<{ wallMs: number; cpuMs: number }> = [];
    const dynamoDbCpu = () => (parts.dynamoDbPid === undefined ? null : cpuTimeMs(parts.dynamoDbPid));
    let dynamoDbCpuAtFirst: number | null = null;
    while (scheduled.length < inputs.rounds + 1) {
      checkInterrupted(context.signal);
      const next = (await store.getSettings()).nextRoundAt;
      const at = next ? Date.parse(next) : null;
      if (at !== null && at !== scheduled.at(-1)) {
        cpuAt.push({ wallMs: performance.now(), cpuMs: cpuNow() });
        if (scheduled.length > 0) context.log(`  ${teams} aws teams: round ${scheduled.length} of ${inputs.rounds} began`);
        if (scheduled.length === 1) dynamoDbCpuAtFirst = dynamoDbCpu();
        scheduled.push(at);
      }
      if (scheduled.length === inputs.rounds + 1) await store.updateSettings({ paused: true });
      else await sleep(200, context.signal);
    }
    scheduled.pop();
    // Done once the last round began (its running marks appeared, 15 s at most) and none runs any more; a
    // team whose previous round still ran at a start was skipped for it (counted below).
    const lastBegan = Date.now();
    while ((await store.listRunningRounds()).length === 0 && Date.now() - lastBegan < 15_000) await sleep(200, context.signal);
    while ((await store.listRunningRounds()).length > 0) {
      checkInterrupted(context.signal);
      await sleep(1000, context.signal);
    }
    cpuAt.push({ wallMs: performance.now(), cpuMs: cpuNow() });
    const dynamoDbCpuAtEnd = dynamoDbCpu();
    const [beforeFirst, ...atStarts] = cpuAt;
    // Round k's CPU: from its start to the next round's start (the last: to its close), ticks included.
    const roundCpuMs = atStarts.slice(0, -1).map((sample, index) => atStarts[index + 1]!.cpuMs - sample.cpuMs);
    const idleCpuMsPerSecond = beforeFirst && atStarts[0] ? ((atStarts[0].cpuMs - beforeFirst.cpuMs) / (atStarts[0].wallMs - beforeFirst.wallMs)) * 1000 : null;
    const rounds: Round[] = (await Promise.all(slugs.map((slug) => store.listRounds(slug, { after: 0 })))).flat();
    const calls = parts.kinesis.calls();
    const streamsOf = new Set(slugs.map((slug) => resourcesOf(slug).streamName));
    const starts = scheduled.map((at, index): Omit<RoundStarts, 'cpuPerTeamMs'> => {
      const firsts = [...firstCalls(calls, at, at + inputs.roundIntervalSeconds * 1000).entries()].filter(([stream]) => streamsOf.has(stream));
      const offsets = firsts.map(([, receivedAt]) => receivedAt - at);
      const ofRound = rounds.filter((round) => Date.parse(round.startedAt) >= at && Date.parse(round.startedAt) < at + inputs.roundIntervalSeconds * 1000);
      const sends = ofRound.flatMap((round) => (round.sendStartedAt && round.sentAt ? [Date.parse(round.sentAt) - Date.parse(round.sendStartedAt)] : []));
      const sendStarts = ofRound.flatMap((round) => (round.sendStartedAt ? [Date.parse(round.sendStartedAt) - at] : []));
      return {
        number: ofRound[0]?.number ?? index + 1,
        teamsStarted: ofRound.length,
        scheduledAt: new Date(at).toISOString(),
        teamsSending: firsts.length,
        firstStartMs: offsets.length ? Math.min(...offsets) : null,
        lastStartMs: offsets.length ? Math.max(...offsets) : null,
        lastSendStartMs: sendStarts.length ? Math.max(...sendStarts) : null,
        medianSendMs: sends.length ? median(sends) : null,
        maxSendMs: sends.length ? Math.max(...sends) : null,
      };
    });
    const statuses: Record<string, number> = {};
    for (const round of rounds) statuses[round.status] = (statuses[round.status] ?? 0) + 1;
    const teamRounds = rounds.length;
    const skipped = teams * inputs.rounds - teamRounds;
    return {
      teams,
      rounds: starts.map((round, index) => ({ ...round, cpuPerTeamMs: rounded((roundCpuMs[index] ?? 0) / Math.max(1, round.teamsStarted)) })),
      idleCpuMsPerSecond: idleCpuMsPerSecond === null ? null : rounded(idleCpuMsPerSecond),
      teamRounds,
      dynamoDbCpuPerTeamRoundMs:
        dynamoDbCpuAtFirst === null || dynamoDbCpuAtEnd === null ? null : rounded((dynamoDbCpuAtEnd - dynamoDbCpuAtFirst) / Math.max(1, teamRounds)),
      skipped,
      statuses,
      // One line per reason, the teams' table names folded together.
      voidReasons: [...new Set(rounds.flatMap((round) => (round.voidReason ? [round.voidReason.replace(/aws\d+-/g, 'aws…-')] : [])))],
    };
  } finally {
    await scheduler.stop();
  }
}

function rowsOf(result: AwsTeamsResult, inputs: AwsTeamsInputs): TableRow[] {
  const worstLast = Math.max(...result.rounds.map((round) => round.lastStartMs ?? Number.POSITIVE_INFINITY));
  const bestFirst = Math.min(...result.rounds.map((round) => round.firstStartMs ?? Number.POSITIVE_INFINITY));
  const worstSendStart = Math.max(...result.rounds.map((round) => round.lastSendStartMs ?? Number.POSITIVE_INFINITY));
  const sends = result.rounds.flatMap((round) => (round.medianSendMs === null ? [] : [round.medianSendMs]));
  const maxSend = Math.max(...result.rounds.map((round) => round.maxSendMs ?? 0));
  const steady = result.rounds.at(-1)?.cpuPerTeamMs ?? null;
  const statuses = Object.entries(result.statuses)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  const intervalCpuShare = steady === null ? null : (steady * result.teams) / (inputs.roundIntervalSeconds * 1000);
  return [
    {
      measure: `${result.teams} aws teams: scheduler CPU per team-round`,
      result: steady === null ? '—' : `${steady} ms`,
      note: `the last of ${result.rounds.length} rounds of ${inputs.messages.toLocaleString('en')} messages (each: ${result.rounds.map((round) => `${round.cpuPerTeamMs} ms`).join(', ')}), ${intervalCpuShare === null ? '' : `${rounded(intervalCpuShare * 100, 0)} % of one core per ${inputs.roundIntervalSeconds} s interval`}; before the first round ${result.idleCpuMsPerSecond ?? '—'} ms/s (ticks, that round made ahead); DynamoDB Local (organiser store and every team's tables) ${result.dynamoDbCpuPerTeamRoundMs ?? '—'} ms per team-round`,
    },
    {
      measure: `${result.teams} aws teams: first record after the scheduled time`,
      result: `first team ${seconds(bestFirst)}, last team ${seconds(worstLast)}`,
      note: `worst of ${result.rounds.length} rounds (goal: every team within 1 s); the last team began sending (round recorded, table calls done, begun 3 s ahead) ${seconds(worstSendStart)} after the scheduled time; teams started / sending per round: ${result.rounds.map((round) => `${round.teamsStarted}/${round.teamsSending}`).join(', ')}${result.skipped ? `; ${result.skipped} team-rounds skipped: the previous round still ran` : ''}`,
    },
    {
      measure: `${result.teams} aws teams: send time`,
      result: `median ${seconds(sends.length ? median(sends) : null)}, longest ${seconds(maxSend)}`,
      note: `rounds: ${statuses}${result.voidReasons.length ? `; void: ${result.voidReasons.join('; ')}` : ' (no pipelines: failed at the deadline is expected; void would be ours)'}`,
    },
  ];
}

export async function awsTeamsFigure(inputs: AwsTeamsInputs, context: FigureContext): Promise<FigureOutput<AwsTeamsResults>> {
  const dynamoDb = await startDynamoDbLocal('dynamodb-aws-teams', {
    port: await freePort(),
    logFile: path.join(context.workDirectory, 'dynamodb.log'),
    maxHeap: '1g',
  });
  const sts = await startSts({ allows: (_, externalId) => externalId === EXTERNAL_ID, credentialSeconds: 900 });
  const kinesis = await startAcknowledgingKinesis(inputs.shardCount);
  const configurations: AwsTeamsResult[] = [];
  const tablesMade = new Set<string>();
  try {
    for (const teams of inputs.teamCounts) {
      checkInterrupted(context.signal);
      const result = await measureTeams(
        teams,
        inputs,
        { dynamoDbEndpoint: dynamoDb.endpoint, dynamoDbPid: dynamoDb.process.pid, stsEndpoint: sts.endpoint, kinesis, tablesMade },
        context,
      );
      configurations.push(result);
      for (const row of rowsOf(result, inputs)) context.log(`  ${row.measure}: ${row.result} (${row.note})`);
    }
  } finally {
    await kinesis.close();
    await sts.close();
    await dynamoDb.process.stop();
  }
  return { results: { configurations }, rows: configurations.flatMap((result) => rowsOf(result, inputs)) };
}
