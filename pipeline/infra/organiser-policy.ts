/**
 * The IAM policy of the organiser side on AWS (the scheduler and the scoreboard, `WORKSHOP_MODE=aws`):
 * exactly the DynamoDB actions the organiser store performs on its own table, and `sts:AssumeRole`
 * on the teams' scoreboard roles, by their name pattern. `npm run pipeline:synth` writes it next to
 * the templates, for the role the organiser side runs with (an instance or task role, or a role
 * assumed through a profile).
 */
import { SCOREBOARD_ROLE_NAME } from './team-stack';

/** The file `npm run pipeline:synth` writes into the cloud assembly's directory. */
export const ORGANISER_POLICY_FILE = 'organiser-policy.json';

/** The organiser store's table name when `ORGANISER_TABLE` is not set. */
export const DEFAULT_ORGANISER_TABLE = 'WorkshopOrganiser';

/**
 * What lib/store does with its table: creating it on first start (and waiting for it), reading and
 * writing items, queries, batch reads (the scheduler's looks at every remote round at once), batch
 * deletes, and transactions (whose Put, Update, Delete and
 * ConditionCheck parts IAM checks as PutItem, UpdateItem, DeleteItem and ConditionCheckItem).
 * A test compares this list with the commands lib/store sends.
 */
export const ORGANISER_STORE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:CreateTable',
  'dynamodb:DeleteItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
] as const;

export interface OrganiserPolicyOptions {
  /** The organiser store's table (`ORGANISER_TABLE`). */
  tableName: string;
  /** The account the organiser side runs in; any account when absent. */
  organiserAccountId?: string;
  /** The region of the organiser store (`AWS_REGION`); any region when absent. */
  organiserRegion?: string;
  /** The accounts holding the teams' stacks; any account when absent or empty. */
  teamAccountIds?: readonly string[];
}

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** The ARN partition of a region: `aws-cn` in China, `aws-us-gov` in GovCloud, `aws` elsewhere. */
export function partitionOf(region: string | undefined): string {
  if (region?.startsWith('cn-')) return 'aws-cn';
  if (region?.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * The names of the teams' scoreboard roles: `AggregationScoreboard` with or without a prefix. A
 * pattern rather than a list, so one policy serves every synth of the event (the teams' stacks and
 * the reference one, prefixed or not); the roles of the functions never match it.
 */
export const SCOREBOARD_ROLE_PATTERN = `*${SCOREBOARD_ROLE_NAME}`;

/** The organiser side's policy document. */
export function organiserPolicy(options: OrganiserPolicyOptions): PolicyDocument {
  const partition = partitionOf(options.organiserRegion);
  const table = `arn:${partition}:dynamodb:${options.organiserRegion ?? '*'}:${options.organiserAccountId ?? '*'}:table/${options.tableName}`;
  const accounts = options.teamAccountIds?.length ? options.teamAccountIds : ['*'];
  const roles = accounts.map((account) => `arn:${partition}:iam::${account}:role/${SCOREBOARD_ROLE_PATTERN}`);
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'OrganiserStore', Effect: 'Allow', Action: [...ORGANISER_STORE_ACTIONS], Resource: [table] },
      { Sid: 'AssumeTeamScoreboardRoles', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [...new Set(roles)] },
    ],
  };
}
