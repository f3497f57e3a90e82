/**
 * The trigger wiring of the AWS deployment, read from the same files the local runtime uses:
 * `solution` deploys pipeline/solution/triggers.json as it is; `starting` is that wiring with the
 * Lab 1 pieces taken out (no State trigger, no Reduce trigger, no Reduce concurrency limit).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PIPELINE_FUNCTIONS, type PipelineFunction } from '@/lib/pipeline-resources';
import { type FunctionConfig, parseWiring, type TriggerConfig, WIRING_FILE, type Wiring } from '@/lib/runtime/wiring';

export type { FunctionConfig, TriggerConfig, Wiring };
export type PipelineVariant = 'starting' | 'solution';
export const PIPELINE_VARIANTS: readonly PipelineVariant[] = ['starting', 'solution'];

/** The pipeline/ directory. */
export const PIPELINE_DIRECTORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where each variant's handler files and wiring file live. */
export function variantDirectory(variant: PipelineVariant): string {
  return path.join(PIPELINE_DIRECTORY, variant === 'solution' ? 'solution' : 'handlers');
}

/** Reads and validates a triggers.json file with the local runtime's parser (same schema, same defaults). */
export function readWiringFile(file: string): Wiring {
  const parsed = parseWiring(readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.problem}`);
  return parsed.wiring;
}

/** The settings of each function; a deployment needs all three. */
export function functionSettings(wiring: Wiring): Record<PipelineFunction, FunctionConfig> {
  return Object.fromEntries(
    PIPELINE_FUNCTIONS.map((fn) => {
      const settings = wiring.functions[fn];
      if (!settings) throw new Error(`${WIRING_FILE} defines no "${fn}" function`);
      return [fn, settings];
    }),
  ) as Record<PipelineFunction, FunctionConfig>;
}

/** The wiring file a variant's directory holds. */
export function wiringFileOf(variant: PipelineVariant): string {
  return path.join(variantDirectory(variant), WIRING_FILE);
}

/** The solution's wiring without the Lab 1 pieces: only Map's trigger, and no concurrency limit on Reduce. */
export function withoutLab1(solution: Wiring): Wiring {
  const { reservedConcurrency: _limit, ...reduce } = functionSettings(solution).reduce;
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
