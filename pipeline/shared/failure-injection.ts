/**
 * Lab 2 failure injection (docs/game.md, "Labs and progression"): each function reads its failure
 * percentage from the ParameterTable and throws on purpose, so the trigger retries the batch. State
 * may fail before each record with probability pct/len(batch); Map and Reduce after their write
 * with probability pct. With FAILURE_INJECTION_SEED set, the random draws follow a seeded sequence
 * per function instance, so tests are reproducible.
 */
import { createHash } from 'node:crypto';
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { FAILURE_PARAMETERS, type PipelineFunction } from '../../lib/pipeline-resources';

export const FAILURE_INJECTION_SEED_ENV = 'FAILURE_INJECTION_SEED';

/** A source of uniform random numbers in [0, 1). */
export type RandomSource = () => number;

/** A small seeded PRNG (mulberry32) whose 32-bit state comes from the SHA-256 of `seed`. */
export function seededRandom(seed: string): RandomSource {
  let state = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The random source of one function: seeded by FAILURE_INJECTION_SEED and the function's name when set. */
export function failureRandom(fn: PipelineFunction, env: Readonly<Record<string, string | undefined>> = process.env): RandomSource {
  const seed = env[FAILURE_INJECTION_SEED_ENV];
  return seed ? seededRandom(`${seed}:${fn}`) : Math.random;
}

/** Reads a function's failure percentage (0–100) from the ParameterTable; an absent item means 0. */
export async function readFailurePercentage(client: DynamoDBClient, parameterTable: string, fn: PipelineFunction): Promise<number> {
  const parameter = FAILURE_PARAMETERS[fn];
  const response = await client.send(new GetItemCommand({ TableName: parameterTable, Key: { parameter: { S: parameter } }, ConsistentRead: true }));
  const text = response.Item?.value?.N;
  if (text === undefined) return 0;
  const percentage = Number(text);
  if (!(percentage >= 0 && percentage <= 100)) {
    throw new Error(`${parameterTable} item ${parameter} has value ${text}: expected a number between 0 and 100`);
  }
  return percentage;
}

/** Whether State fails before a record: probability pct/len(batch) percent per record. */
export function failsBeforeRecord(draw: number, percentage: number, batchLength: number): boolean {
  return draw * 100 < percentage / batchLength;
}

/** Whether Map or Reduce fails after its write: probability pct percent per invocation. */
export function failsAfterWrite(draw: number, percentage: number): boolean {
  return draw * 100 < percentage;
}

/** The error thrown on purpose; the trigger then retries the same batch. */
export class InjectedFailure extends Error {
  constructor(fn: PipelineFunction, percentage: number) {
    super(`Injected failure (${FAILURE_PARAMETERS[fn]} = ${percentage} %): the trigger will retry this batch`);
    this.name = 'InjectedFailure';
  }
}

/** One function's failure injection: its random source and the two places it may throw. */
export class FailureInjection {
  private readonly random: RandomSource;

  constructor(
    private readonly fn: PipelineFunction,
    random: RandomSource = failureRandom(fn),
  ) {
    this.random = random;
  }

  /** Reads this function's current percentage from the ParameterTable. */
  readPercentage(client: DynamoDBClient, parameterTable: string): Promise<number> {
    return readFailurePercentage(client, parameterTable, this.fn);
  }

  /** State: called before each record; throws with probability pct/len(batch) percent. */
  beforeRecord(percentage: number, batchLength: number): void {
    if (failsBeforeRecord(this.random(), percentage, batchLength)) throw new InjectedFailure(this.fn, percentage);
  }

  /** Map and Reduce: called after the write; throws with probability pct percent. */
  afterWrite(percentage: number): void {
    if (failsAfterWrite(this.random(), percentage)) throw new InjectedFailure(this.fn, percentage);
  }
}
