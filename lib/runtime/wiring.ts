/**
 * The trigger wiring file (`<codeDirectory>/triggers.json`) that teams edit: which handler file each
 * function runs, and which stream triggers invoke it (Lambda's event source mapping settings).
 */
import { z } from 'zod';
import { errorMessage } from '../errors';
import { PIPELINE_FUNCTIONS, type PipelineFunction, type PipelineResources } from '../pipeline-resources';

export const WIRING_FILE = 'triggers.json';

/** The streams a trigger can read: the team's Kinesis stream and its two tables with streams. */
export const TRIGGER_SOURCES = ['IncomingDataStream', 'StateTable', 'ReduceTable'] as const;
export type TriggerSource = (typeof TRIGGER_SOURCES)[number];

const functionSchema = z
  .object({
    handler: z.string().regex(/^[^\0]+\.(ts|mts|js|mjs)$/, 'must name a .ts or .js file relative to the wiring file'),
    timeoutSeconds: z.number().int().min(1).max(900),
    reservedConcurrency: z.number().int().min(0).max(1000).optional(),
  })
  .strict();

const triggerSchema = z
  .object({
    function: z.enum(PIPELINE_FUNCTIONS as [PipelineFunction, ...PipelineFunction[]]),
    source: z.enum(TRIGGER_SOURCES),
    batchSize: z.number().int().min(1).max(10_000),
    maximumBatchingWindowInSeconds: z.number().int().min(0).max(300).default(0),
    startingPosition: z.enum(['TRIM_HORIZON', 'LATEST']),
    maximumRetryAttempts: z.number().int().min(-1).max(10_000).default(-1),
  })
  .strict();

const wiringSchema = z
  .object({
    functions: z.object({ state: functionSchema.optional(), map: functionSchema.optional(), reduce: functionSchema.optional() }).strict(),
    triggers: z.array(triggerSchema),
  })
  .strict()
  .superRefine((wiring, context) => {
    const seen = new Set<string>();
    wiring.triggers.forEach((trigger, index) => {
      if (!wiring.functions[trigger.function]) {
        context.addIssue({ code: 'custom', path: ['triggers', index, 'function'], message: `function "${trigger.function}" is not defined in "functions"` });
      }
      const key = triggerKey(trigger);
      if (seen.has(key)) {
        context.addIssue({ code: 'custom', path: ['triggers', index], message: `a second trigger from ${trigger.source} to ${trigger.function}` });
      }
      seen.add(key);
    });
  });

export type FunctionConfig = z.infer<typeof functionSchema>;
export type TriggerConfig = z.infer<typeof triggerSchema>;
export type Wiring = z.infer<typeof wiringSchema>;

export type WiringParse = { ok: true; wiring: Wiring } | { ok: false; problem: string };

/** A trigger's identity: one trigger per (source, function); editing its settings keeps its checkpoints. */
export function triggerKey(trigger: Pick<TriggerConfig, 'function' | 'source'>): string {
  return `${trigger.source}->${trigger.function}`;
}

/** Parses and validates the wiring file's text; the problem names the file's faulty field. */
export function parseWiring(text: string): WiringParse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `${WIRING_FILE} is not valid JSON: ${errorMessage(error)}` };
  }
  const result = wiringSchema.safeParse(json);
  if (result.success) return { ok: true, wiring: result.data };
  const problems = result.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}`);
  return { ok: false, problem: `${WIRING_FILE} is invalid: ${problems.join('; ')}` };
}

/** The stream a trigger source names among a team's resources. */
export function sourceStreamName(source: TriggerSource, resources: PipelineResources): { kind: 'kinesis' | 'dynamodb'; name: string } {
  if (source === 'IncomingDataStream') return { kind: 'kinesis', name: resources.streamName };
  return { kind: 'dynamodb', name: source === 'StateTable' ? resources.stateTable : resources.reduceTable };
}
