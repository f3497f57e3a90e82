/**
 * Bulk import of AWS teams from what `cdk deploy --outputs-file` writes: one object per stack, keyed
 * by the stack's name, holding its outputs (pipeline/infra/team-stack.ts). Each stack of the
 * workshop's pipeline becomes one `aws` team: slug and name from the stack's prefix
 * (`team07-AggregationPipeline-starting` → `team07`), or for an unprefixed stack (one team per account)
 * from the account of its scoreboard role (`account-123456789012`). Planning is pure: which stacks
 * become which teams, and which are skipped and why (malformed, already registered, twice in the
 * upload); the organiser's actions then create the teams.
 */
import { z } from 'zod';
import type { PipelineResources } from '../pipeline-resources';
import type { AwsTeamSettings } from '../store/team-records';
import type { Team } from '../store/types';
import { HttpError, json } from './http';
import { awsTeamFields, slugSchema } from './schemas';

/** Stacks one import may hold (an event of 50 teams needs 50; each stack's outputs are under 2 KB). */
export const MAX_IMPORT_STACKS = 500;

/** One outputs file: stack name → that stack's outputs (checked stack by stack, so one bad stack skips only itself). */
const outputsFileSchema = z.record(z.string(), z.unknown());

/**
 * The body of an import: one outputs file, or an array of them (e.g. one file per account, whose
 * unprefixed stacks all share the name `AggregationPipeline-starting`).
 */
export const cdkOutputsSchema = z
  .union([outputsFileSchema, z.array(outputsFileSchema).min(1, 'body: give at least one outputs file').max(MAX_IMPORT_STACKS)], {
    error: 'body: must be the JSON that `cdk deploy --outputs-file` writes (an object of stacks and their outputs), or an array of such files',
  })
  .superRefine((body, context) => {
    const stacks = (Array.isArray(body) ? body : [body]).reduce((count, file) => count + Object.keys(file).length, 0);
    if (stacks === 0) context.addIssue({ code: 'custom', message: 'body: holds no stacks (deploy with `cdk deploy --outputs-file <file>`)' });
    if (stacks > MAX_IMPORT_STACKS) context.addIssue({ code: 'custom', message: `body: holds ${stacks} stacks; import at most ${MAX_IMPORT_STACKS} at once` });
  });
export type CdkOutputs = z.infer<typeof cdkOutputsSchema>;

/** The outputs a team's stack must have, and the team field each one fills. */
const OUTPUTS = {
  Region: awsTeamFields.region,
  ScoreboardRoleArn: awsTeamFields.roleArn,
  ExternalId: awsTeamFields.externalId,
  StreamName: awsTeamFields.streamName,
  StateTableName: awsTeamFields.tableName,
  ReduceTableName: awsTeamFields.tableName,
  AggregateTableName: awsTeamFields.tableName,
  ParameterTableName: awsTeamFields.tableName,
} as const;
export const IMPORTED_OUTPUTS = Object.keys(OUTPUTS) as ReadonlyArray<keyof typeof OUTPUTS>;
const stackOutputsSchema = z.object(OUTPUTS);

/** A CloudFormation stack name: a letter, then letters, digits and dashes, 128 in all. */
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
/** The workshop's stack names (pipeline/infra/app.ts stackName): `[<prefix>-]AggregationPipeline-<variant>`. */
const PIPELINE_STACK = /^(?:(.+)-)?AggregationPipeline-(?:starting|solution)$/;
const ROLE_ACCOUNT = /^arn:aws[a-z-]*:iam::(\d{12}):role\//;

/** Where a stack came from: its name, and the position of its file when several were sent. */
export interface StackSource {
  stack: string;
  file?: number;
}

export interface SkippedStack extends StackSource {
  reason: string;
}

export interface PlannedTeam extends StackSource {
  team: AwsTeamSettings & { externalId: string; resources: PipelineResources };
}

export interface ImportPlan {
  teams: PlannedTeam[];
  skipped: SkippedStack[];
}

/** A stack name as it may be echoed back: at most 128 characters. */
function shownName(stack: string): string {
  return stack.length > 128 ? `${stack.slice(0, 127)}…` : stack;
}

/** The team a stack's outputs describe, or why it cannot be one. */
export function teamOfStack(stack: string, outputs: unknown): PlannedTeam['team'] | { reason: string } {
  if (!STACK_NAME.test(stack)) return { reason: 'not a CloudFormation stack name (a letter, then letters, digits and dashes, at most 128)' };
  const pipeline = PIPELINE_STACK.exec(stack);
  if (!pipeline) return { reason: 'not a pipeline stack of this workshop: its name is not [<prefix>-]AggregationPipeline-starting or -solution' };
  if (typeof outputs !== 'object' || outputs === null || Array.isArray(outputs)) return { reason: 'its outputs must be an object of output names and values' };
  const given = outputs as Record<string, unknown>;
  const missing = IMPORTED_OUTPUTS.filter((output) => !Object.hasOwn(given, output));
  if (missing.length)
    return { reason: `missing output${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (is it a stack of pipeline/infra, deployed by this version?)` };
  const parsed = stackOutputsSchema.safeParse(given);
  if (!parsed.success) {
    return {
      reason: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.code === 'invalid_type' ? 'must be a string' : issue.message}`).join('; '),
    };
  }
  const values = parsed.data;
  const prefix = pipeline[1];
  const account = ROLE_ACCOUNT.exec(values.ScoreboardRoleArn)?.[1] ?? '';
  const slug = prefix ?? `account-${account}`;
  const slugCheck = slugSchema.safeParse(slug);
  if (!slugCheck.success) return { reason: `prefix "${shownName(slug)}" cannot be a team's slug: ${slugCheck.error.issues[0]?.message ?? 'invalid'}` };
  return {
    slug,
    name: prefix ?? `Account ${account}`,
    region: values.Region,
    roleArn: values.ScoreboardRoleArn,
    externalId: values.ExternalId,
    resources: {
      streamName: values.StreamName,
      stateTable: values.StateTableName,
      reduceTable: values.ReduceTableName,
      aggregateTable: values.AggregateTableName,
      parameterTable: values.ParameterTableName,
    },
  };
}

/** What an AWS team is reached by: its role and its stream (two registrations of these are the same team). */
function targetOf(roleArn: string | undefined, streamName: string): string {
  return `${roleArn ?? ''}\n${streamName}`;
}

/** Which stacks become teams and which are skipped (with a reason each), given the teams already registered. */
export function planImport(body: CdkOutputs, existing: readonly Team[]): ImportPlan {
  const files = Array.isArray(body) ? body : [body];
  const slugs = new Map<string, string>(existing.map((team) => [team.slug, `a team with slug "${team.slug}" is already registered`]));
  const targets = new Map<string, string>(
    existing
      .filter((team) => team.kind === 'aws')
      .map((team) => [targetOf(team.connection.roleArn, team.resources.streamName), `already registered as team "${team.slug}" (same role and stream)`]),
  );
  const plan: ImportPlan = { teams: [], skipped: [] };
  files.forEach((file, index) => {
    for (const [stack, outputs] of Object.entries(file)) {
      const source: StackSource = { stack: shownName(stack), ...(Array.isArray(body) ? { file: index } : {}) };
      const team = teamOfStack(stack, outputs);
      if ('reason' in team) {
        plan.skipped.push({ ...source, reason: team.reason });
        continue;
      }
      const target = targetOf(team.roleArn, team.resources.streamName);
      const duplicate = targets.get(target) ?? slugs.get(team.slug);
      if (duplicate) {
        plan.skipped.push({ ...source, reason: duplicate });
        continue;
      }
      const from = `stack ${source.stack}${source.file === undefined ? '' : ` of file ${source.file}`}`;
      slugs.set(team.slug, `the slug "${team.slug}" is also that of ${from} in this upload`);
      targets.set(target, `the same role and stream as ${from} in this upload`);
      plan.teams.push({ ...source, team });
    }
  });
  return plan;
}

/** What an import answers: the slugs created (or, for a preview, that would be) and the stacks skipped with why. */
export interface ImportResult {
  created: string[];
  skipped: SkippedStack[];
  /** A preview only: the teams that would be created, each with the stack it comes from. */
  preview?: { teams: Array<StackSource & { slug: string; name: string; region: string; roleArn: string; streamName: string }> };
}

/** Whether the request asks only for a preview (`?preview=1`); 400 for any other value. */
export function previewRequested(request: Request): boolean {
  const value = new URL(request.url).searchParams.get('preview');
  if (value === null || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  throw new HttpError(400, 'preview: must be 1 (only say what would be imported) or left out');
}

/** The preview of a plan: nothing is created. */
export function previewOf(plan: ImportPlan): ImportResult {
  return {
    created: plan.teams.map(({ team }) => team.slug),
    skipped: plan.skipped,
    preview: {
      teams: plan.teams.map(({ stack, file, team }) => ({
        stack,
        ...(file === undefined ? {} : { file }),
        slug: team.slug,
        name: team.name,
        region: team.region,
        roleArn: team.roleArn,
        streamName: team.resources.streamName,
      })),
    },
  };
}

/** 201 with what was created, or 200 with a preview. */
export function importAnswer(result: ImportResult): Response {
  return json(result, result.preview ? 200 : 201);
}
