/**
 * The generator as a Lambda function in a team's own account (the workshop's GeneratorLambda):
 * scheduled every minute, it runs one round against that account's pipeline with the same code as
 * the scheduler and the CLI, and keeps the account's game in its ParameterTable exactly as the
 * central game keeps a team's: +100 points per passed round, Lab 2 (with its failure percentages)
 * from 300 points (generator/account-record.ts). A run that finds the previous round still running
 * does nothing. It logs each result as one JSON line and returns it. Not scored centrally.
 *
 * Environment:
 *   STREAM_NAME            Kinesis stream to send to (default IncomingDataStream)
 *   AGGREGATE_TABLE_NAME   table to judge (default AggregateTable)
 *   PARAMETER_TABLE_NAME   table receiving the failure percentages and holding the account's record (default ParameterTable)
 *   LAB                    1 or 2 to force that lab; unset: the lab the account's score gives (Lab 2 from 300 points)
 *   ROUND_MESSAGES         records per round, duplicates included (default 10000)
 *   ROUND_DEADLINE_SECONDS seconds the pipeline gets after the burst was sent (default 30); it must
 *                          leave 15 s of the function's time for making, sending and confirming the round
 *   FAILURE_PERCENTAGES    "state,map,reduce" percentages written each Lab 2 round (default 5,10,10; Lab 1: 0,0,0)
 *   SEED                   fixed seed (default: a fresh one per round, logged)
 *   AWS_REGION             set by Lambda
 *   DYNAMODB_ENDPOINT, KINESIS_ENDPOINT   emulator endpoints, for trying it locally
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { type Connection, dynamoDbClient } from '@/lib/aws/clients';
import { DEFAULT_FAILURE_PERCENTAGES, DEFAULT_RESOURCES } from '@/lib/pipeline-resources';
import type { FailurePercentages, Lab } from '@/lib/store/types';
import { type AccountRecord, claimRound, finishRound, recordAfter, releaseRound } from './account-record';
import { randomSeed } from './random';
import { runRound } from './round';
import { closedRound } from './scoring';

/** Time a round needs besides its deadline: making and sending the burst, confirming a match. */
export const ROUND_OVERHEAD_MS = 15_000;
/** Time kept at the end of the function's run to write the result before Lambda stops it. */
export const CLOSING_MS = 3_000;
/** The run's time when it is not called by Lambda (trying the bundle locally). */
const UNLIMITED_MS = 15 * 60_000;

const percentages = z
  .string()
  .regex(/^\d{1,3},\d{1,3},\d{1,3}$/, 'FAILURE_PERCENTAGES must be three whole percentages "state,map,reduce", e.g. 5,10,10')
  .transform((text): FailurePercentages => {
    const [state = 0, map = 0, reduce = 0] = text.split(',').map(Number);
    return { state, map, reduce };
  });

const environment = z.object({
  STREAM_NAME: z.string().min(1).default(DEFAULT_RESOURCES.streamName),
  AGGREGATE_TABLE_NAME: z.string().min(1).default(DEFAULT_RESOURCES.aggregateTable),
  PARAMETER_TABLE_NAME: z.string().min(1).default(DEFAULT_RESOURCES.parameterTable),
  LAB: z
    .enum(['1', '2'])
    .transform((lab) => Number(lab) as Lab)
    .optional(),
  ROUND_MESSAGES: z.coerce.number().int().min(1).max(100_000).default(10_000),
  ROUND_DEADLINE_SECONDS: z.coerce.number().int().positive().default(30),
  FAILURE_PERCENTAGES: percentages.optional(),
  SEED: z.coerce.number().int().min(0).optional(),
  AWS_REGION: z.string().min(1),
  DYNAMODB_ENDPOINT: z.string().url().optional(),
  KINESIS_ENDPOINT: z.string().url().optional(),
});

const NO_FAILURES: FailurePercentages = { state: 0, map: 0, reduce: 0 };

/** A round's verdict as the function returns and logs it, with the account's score and lab after it. */
export type RoundResult = Omit<ReturnType<typeof closedRound>, 'team'> & {
  /** The account's score after the round. */
  score: number;
  /** The lab of the account's next round (unless LAB forces one). */
  nextLab: Lab;
};

/** A run that found the previous round still running and did nothing. */
export interface SkippedRun {
  status: 'skipped';
  reason: string;
}

function readEnvironment() {
  const present = Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environment.safeParse(present);
  if (!parsed.success) throw new Error(`invalid environment: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return parsed.data;
}

export async function handler(_event?: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<RoundResult | SkippedRun> {
  const env = readEnvironment();
  const timeMs = context?.getRemainingTimeInMillis() ?? UNLIMITED_MS;
  if (env.ROUND_DEADLINE_SECONDS * 1000 + ROUND_OVERHEAD_MS + CLOSING_MS > timeMs) {
    throw new Error(
      `ROUND_DEADLINE_SECONDS=${env.ROUND_DEADLINE_SECONDS} does not fit this function's ${Math.round(timeMs / 1000)} s: lower it, keeping ${(ROUND_OVERHEAD_MS + CLOSING_MS) / 1000} s for sending and confirming the round`,
    );
  }
  const connection: Connection = { region: env.AWS_REGION, dynamodbEndpoint: env.DYNAMODB_ENDPOINT, kinesisEndpoint: env.KINESIS_ENDPOINT };
  const documents = DynamoDBDocumentClient.from(dynamoDbClient(connection), { marshallOptions: { removeUndefinedValues: true } });
  const table = env.PARAMETER_TABLE_NAME;

  const startedAt = new Date();
  const claim = await claimRound(documents, table, randomUUID(), startedAt, new Date(startedAt.getTime() + timeMs));
  if ('heldUntil' in claim) {
    const skipped: SkippedRun = {
      status: 'skipped',
      reason: `the previous round is still running (until ${claim.heldUntil} at the latest): no round this time`,
    };
    console.log(JSON.stringify(skipped));
    return skipped;
  }

  const stop = new AbortController();
  const stopTimer = setTimeout(() => stop.abort('the GeneratorLambda ran out of time before the round ended'), timeMs - CLOSING_MS);
  let after: AccountRecord;
  let result: RoundResult;
  try {
    const lab = env.LAB ?? claim.record.lab;
    const outcome = await runRound(
      {
        connection,
        resources: { ...DEFAULT_RESOURCES, streamName: env.STREAM_NAME, aggregateTable: env.AGGREGATE_TABLE_NAME, parameterTable: table },
      },
      {
        seed: env.SEED ?? randomSeed(),
        lab,
        messages: env.ROUND_MESSAGES,
        deadlineSeconds: env.ROUND_DEADLINE_SECONDS,
        failurePercentages: lab === 2 ? (env.FAILURE_PERCENTAGES ?? DEFAULT_FAILURE_PERCENTAGES) : NO_FAILURES,
      },
      { signal: stop.signal },
    );
    const { team: _team, ...round } = closedRound({ team: '', number: claim.record.rounds + 1, startedAt: startedAt.toISOString() }, outcome);
    after = recordAfter(claim.record, round.points, outcome.endedAt);
    result = { ...round, score: after.score, nextLab: after.lab };
  } catch (error) {
    await releaseRound(documents, table, claim);
    throw error;
  } finally {
    clearTimeout(stopTimer);
  }

  const recorded = await finishRound(documents, table, claim, after, {
    number: result.number,
    status: result.status,
    lab: result.lab,
    points: result.points,
    endedAt: result.endedAt ?? new Date().toISOString(),
    timeToCorrectMs: result.timeToCorrectMs ?? null,
    diagnosis: result.diagnosis?.code ?? null,
    voidReason: result.voidReason,
  });
  if (!recorded) {
    const late: RoundResult = {
      ...result,
      status: 'void',
      points: 0,
      voidReason: 'the round outlasted its guard and another run took over: not counted',
      score: claim.record.score,
      nextLab: claim.record.lab,
    };
    console.log(JSON.stringify(late));
    return late;
  }
  console.log(JSON.stringify(result));
  return result;
}
