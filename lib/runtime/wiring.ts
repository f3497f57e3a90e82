/**
 * The trigger wiring file (`<codeDirectory>/triggers.json`) that teams edit: which handler file each
 * function runs, and which stream triggers invoke it (Lambda's event source mapping settings).
 */
import path from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../errors';
import { PIPELINE_FUNCTIONS, type PipelineFunction, type PipelineResources } from '../pipeline-resources';
import { reservedVariableProblem } from './execution/lambda-environment';

export const WIRING_FILE = 'triggers.json';

/** The streams a trigger can read: the team's Kinesis stream and its two tables with streams. */
export const TRIGGER_SOURCES = ['IncomingDataStream', 'StateTable', 'ReduceTable'] as const;
export type TriggerSource = (typeof TRIGGER_SOURCES)[number];

/** Lambda's limit on a function's environment variables: 4 KB, names and values together. */
export const MAX_ENVIRONMENT_BYTES = 4 * 1024;

const environmentSchema = z.record(z.string(), z.string()).superRefine((environment, context) => {
  let bytes = 0;
  for (const [name, value] of Object.entries(environment)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
    const problem = /^[a-zA-Z][a-zA-Z0-9_]+$/.test(name)
      ? reservedVariableProblem(name)
      : 'a variable name starts with a letter and has at least two letters, digits or underscores';
    if (problem) context.addIssue({ code: 'custom', path: [name], message: `${problem}: choose another name` });
  }
  if (bytes > MAX_ENVIRONMENT_BYTES) context.addIssue({ code: 'custom', message: `${bytes} bytes of variables; Lambda allows ${MAX_ENVIRONMENT_BYTES}` });
});

const functionSchema = z
  .object({
    handler: z
      .string()
      .regex(/^[^\0]+\.(ts|mts|js|mjs)$/, 'must name a .ts or .js file relative to the wiring file')
      .refine(
        (handler) => !path.isAbsolute(handler) && !handler.split(/[/\\]/).includes('..'),
        'must name a file inside the code folder (no absolute path, no ..)',
      ),
    timeoutSeconds: z.number().int().min(1).max(900),
    reservedConcurrency: z.number().int().min(0).max(1000).optional(),
    /** Extra environment variables for the function's handler, as in Lambda's configuration. */
    environment: environmentSchema.optional(),
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
