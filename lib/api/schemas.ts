/**
 * Input of the organiser's API, validated with zod: every rejection names the field at fault. Each
 * input's type is inferred from its schema, so what a handler receives is what was checked.
 */
import { z } from 'zod';
import type { PipelineResources } from '../pipeline-resources';
import { teamSlugSchema } from '../store/team-records';

/** Slugs the organiser's API refuses: `/api/admin/teams/import` is the bulk import, so no team may be called `import`. */
export const RESERVED_SLUGS: readonly string[] = ['import'];
export const slugSchema = teamSlugSchema.refine((slug) => !RESERVED_SLUGS.includes(slug), {
  message: `slug must not be ${RESERVED_SLUGS.map((slug) => `"${slug}"`).join(' or ')}: reserved by the organiser's API`,
});

const name = z.string().trim().min(1, 'name must not be empty').max(60, 'name must be at most 60 characters');
const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'region must be an AWS region such as eu-west-1');
const roleArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'roleArn must be an IAM role ARN such as arn:aws:iam::123456789012:role/WorkshopScoreboard');
const tableName = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'a table name has 3–255 letters, digits, "_", "-" or "."');
const streamName = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'a stream name has 1–128 letters, digits, "_", "-" or "."');
const externalId = z.string().min(2, 'externalId must be 2–1224 characters').max(1224, 'externalId must be 2–1224 characters');
/** The fields of an AWS team's connection and resource names, for inputs that name them otherwise (the bulk import). */
export const awsTeamFields = { region, roleArn, externalId, streamName, tableName };
const percent = z.number().min(0, 'a percentage is at least 0').max(100, 'a percentage is at most 100');

export const newTeamSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('local'),
      slug: slugSchema,
      name,
      pipeline: z.enum(['handlers', 'solution'], { error: 'pipeline must be "handlers" (the starting pipeline) or "solution"' }).default('handlers'),
    }),
    z.strictObject({
      kind: z.literal('aws'),
      slug: slugSchema,
      name,
      region,
      roleArn,
      externalId: externalId.optional(),
      resources: z
        .strictObject({
          streamName,
          stateTable: tableName,
          reduceTable: tableName,
          aggregateTable: tableName,
          parameterTable: tableName,
        } satisfies Record<keyof PipelineResources, z.ZodType<string>>)
        .partial()
        .optional(),
    }),
    z.strictObject({ kind: z.literal('remote'), slug: slugSchema, name }),
  ],
  { error: 'kind must be "local", "aws" or "remote"' },
);
export type NewTeamInput = z.infer<typeof newTeamSchema>;

export const teamChangesSchema = z
  .strictObject({
    name,
    active: z.boolean(),
    labOverride: z.union([z.literal(1), z.literal(2), z.null()], { error: 'labOverride must be 1, 2 or null (automatic)' }),
    failurePercentages: z.strictObject({ state: percent, map: percent, reduce: percent }).nullable(),
  })
  .partial()
  .refine((changes) => Object.keys(changes).length > 0, 'give at least one of name, active, labOverride, failurePercentages');
export type TeamChanges = z.infer<typeof teamChangesSchema>;

export const settingsChangesSchema = z
  .strictObject({
    paused: z.boolean(),
    roundIntervalSeconds: z
      .number()
      .int('roundIntervalSeconds must be a whole number')
      .min(5, 'roundIntervalSeconds must be at least 5')
      .max(86_400, 'roundIntervalSeconds must be at most 86400'),
    roundMessages: z
      .number()
      .int('roundMessages must be a whole number')
      .min(1, 'roundMessages must be at least 1')
      .max(100_000, 'roundMessages must be at most 100000'),
    roundDeadlineSeconds: z
      .number()
      .int('roundDeadlineSeconds must be a whole number')
      .min(5, 'roundDeadlineSeconds must be at least 5')
      .max(600, 'roundDeadlineSeconds must be at most 600'),
  })
  .partial()
  .refine((changes) => Object.keys(changes).length > 0, 'give at least one of paused, roundIntervalSeconds, roundMessages, roundDeadlineSeconds');
export type SettingsChanges = z.infer<typeof settingsChangesSchema>;

export const startRoundSchema = z.strictObject({
  teams: z.array(slugSchema).min(1, 'teams must list at least one slug (or be left out for all active teams)').max(500).optional(),
});
export type StartRound = z.infer<typeof startRoundSchema>;

export const freezeSchema = z.strictObject({ frozen: z.boolean() });
export type Freeze = z.infer<typeof freezeSchema>;

export const announcementSchema = z.strictObject({
  text: z.string().trim().max(280, 'text must be at most 280 characters'),
});
export type AnnouncementInput = z.infer<typeof announcementSchema>;

export const signInSchema = z.strictObject({ secret: z.string().min(1, 'secret must not be empty').max(512) });
export type SignIn = z.infer<typeof signInSchema>;

/** One line naming the field at fault, e.g. `roundMessages: roundMessages must be at least 1`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys')
        return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${[...issue.path, key].join('.')}"`).join(', ')}`;
      const field = issue.path.join('.');
      return field ? `${field}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
