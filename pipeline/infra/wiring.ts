/**
 * The trigger wiring of the AWS deployment, read from the same files the local runtime uses:
 * `solution` deploys pipeline/solution/triggers.json as it is; `starting` is that wiring with the
 * Lab 1 pieces taken out (no State trigger, no Reduce trigger, no Reduce concurrency limit).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PIPELINE_FUNCTIONS, type PipelineFunction } from '../../lib/pipeline-resources';

export type PipelineVariant = 'starting' | 'solution';
export const PIPELINE_VARIANTS: readonly PipelineVariant[] = ['starting', 'solution'];

/** The pipeline/ directory. */
export const PIPELINE_DIRECTORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where each variant's handler files and wiring file live. */
export function variantDirectory(variant: PipelineVariant): string {
  return path.join(PIPELINE_DIRECTORY, variant === 'solution' ? 'solution' : 'handlers');
}

const functionSchema = z.object({
  handler: z.string().min(1),
  timeoutSeconds: z.number().int().min(1).max(900),
  reservedConcurrency: z.number().int().min(0).optional(),
});

const triggerSchema = z.object({
  function: z.enum(PIPELINE_FUNCTIONS as [PipelineFunction, ...PipelineFunction[]]),
  source: z.enum(['IncomingDataStream', 'StateTable', 'ReduceTable']),
  batchSize: z.number().int().min(1).max(10_000),
  maximumBatchingWindowInSeconds: z.number().int().min(0).max(300).optional(),
  startingPosition: z.enum(['TRIM_HORIZON', 'LATEST']),
  maximumRetryAttempts: z.number().int().min(-1).max(10_000).optional(),
});

const wiringSchema = z.object({
  functions: z.object({ state: functionSchema, map: functionSchema, reduce: functionSchema }),
  triggers: z.array(triggerSchema),
});

export type FunctionSettings = z.infer<typeof functionSchema>;
export type TriggerSettings = z.infer<typeof triggerSchema>;
export type Wiring = z.infer<typeof wiringSchema>;

/** Reads and validates a triggers.json file. */
export function readWiringFile(file: string): Wiring {
  const result = wiringSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!result.success) {
    throw new Error(`${file} is invalid: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  return result.data;
}

/** The wiring file a variant's directory holds. */
export function wiringFileOf(variant: PipelineVariant): string {
  return path.join(variantDirectory(variant), 'triggers.json');
}

/** The solution's wiring without the Lab 1 pieces: only Map's trigger, and no concurrency limit on Reduce. */
export function withoutLab1(solution: Wiring): Wiring {
  const { reservedConcurrency: _limit, ...reduce } = solution.functions.reduce;
  return {
    functions: { ...solution.functions, reduce },
    triggers: solution.triggers.filter((trigger) => trigger.function === 'map'),
  };
}

/** The wiring a variant deploys. */
export function deployedWiring(variant: PipelineVariant): Wiring {
  const solution = readWiringFile(wiringFileOf('solution'));
  return variant === 'solution' ? solution : withoutLab1(solution);
}
