/**
 * The generator as a Lambda function in a team's own account (the workshop's GeneratorLambda):
 * scheduled every minute, it runs one round against that account's pipeline with the same code as
 * the scheduler and the CLI, logs the verdict as one JSON line and returns it. Not scored centrally.
 *
 * Environment:
 *   STREAM_NAME            Kinesis stream to send to (default IncomingDataStream)
 *   AGGREGATE_TABLE_NAME   table to judge (default AggregateTable)
 *   PARAMETER_TABLE_NAME   table receiving the failure percentages (default ParameterTable)
 *   LAB                    1 (clean messages) or 2 (duplicates, modifications, failure injection); default 1
 *   ROUND_MESSAGES         records per round, duplicates included (default 10000)
 *   ROUND_DEADLINE_SECONDS seconds the pipeline gets after the burst was sent (default 30);
 *                          the function's timeout must exceed it plus the sending time (60 s is safe)
 *   FAILURE_PERCENTAGES    "state,map,reduce" percentages written each round (default 5,10,10 in Lab 2, 0,0,0 in Lab 1)
 *   SEED                   fixed seed (default: a fresh one per round, logged)
 *   AWS_REGION             set by Lambda
 *   DYNAMODB_ENDPOINT, KINESIS_ENDPOINT   emulator endpoints, for trying it locally
 */
import { z } from 'zod';
import { DEFAULT_FAILURE_PERCENTAGES, DEFAULT_RESOURCES } from '@/lib/pipeline-resources';
import type { FailurePercentages, Lab } from '@/lib/store/types';
import { randomSeed } from './random';
import { runRound } from './round';
import { closedRound } from './scoring';

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
    .default('1')
    .transform((lab) => Number(lab) as Lab),
  ROUND_MESSAGES: z.coerce.number().int().min(1).max(100_000).default(10_000),
  ROUND_DEADLINE_SECONDS: z.coerce.number().int().positive().default(30),
  FAILURE_PERCENTAGES: percentages.optional(),
  SEED: z.coerce.number().int().min(0).optional(),
  AWS_REGION: z.string().min(1),
  DYNAMODB_ENDPOINT: z.string().url().optional(),
  KINESIS_ENDPOINT: z.string().url().optional(),
});

const NO_FAILURES: FailurePercentages = { state: 0, map: 0, reduce: 0 };

/** The round's verdict as the function returns and logs it. */
export type LambdaVerdict = ReturnType<typeof closedRound>;

export async function handler(): Promise<Omit<LambdaVerdict, 'team' | 'number'>> {
  const present = Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environment.safeParse(present);
  if (!parsed.success) throw new Error(`invalid environment: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  const env = parsed.data;
  const startedAt = new Date().toISOString();
  const outcome = await runRound(
    {
      connection: { region: env.AWS_REGION, dynamodbEndpoint: env.DYNAMODB_ENDPOINT, kinesisEndpoint: env.KINESIS_ENDPOINT },
      resources: { ...DEFAULT_RESOURCES, streamName: env.STREAM_NAME, aggregateTable: env.AGGREGATE_TABLE_NAME, parameterTable: env.PARAMETER_TABLE_NAME },
    },
    {
      seed: env.SEED ?? randomSeed(),
      lab: env.LAB,
      messages: env.ROUND_MESSAGES,
      deadlineSeconds: env.ROUND_DEADLINE_SECONDS,
      failurePercentages: env.FAILURE_PERCENTAGES ?? (env.LAB === 2 ? DEFAULT_FAILURE_PERCENTAGES : NO_FAILURES),
    },
  );
  const { team: _team, number: _number, ...verdict } = closedRound({ team: '', number: 0, startedAt }, outcome);
  console.log(JSON.stringify(verdict));
  return verdict;
}
