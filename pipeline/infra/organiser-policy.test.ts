/**
 * The organiser side's IAM policy: the organiser store's table with exactly the actions lib/store
 * sends (read from its source, so a new kind of call there fails this test until the policy allows
 * it), and sts:AssumeRole on the scoreboard roles of the stacks and on none of their other roles.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { readConfig } from '@/lib/config';
import { buildPipelineApp } from './app';
import { DEFAULT_ORGANISER_TABLE, ORGANISER_STORE_ACTIONS, organiserPolicy, partitionOf, SCOREBOARD_ROLE_PATTERN } from './organiser-policy';
import { PIPELINE_DIRECTORY } from './wiring';

const STORE_DIRECTORY = path.join(PIPELINE_DIRECTORY, '..', 'lib', 'store');

/** The IAM action of each DynamoDB command (client and document client names alike). */
const ACTION_OF_COMMAND: Record<string, string[]> = {
  GetItem: ['dynamodb:GetItem'],
  Get: ['dynamodb:GetItem'],
  PutItem: ['dynamodb:PutItem'],
  Put: ['dynamodb:PutItem'],
  UpdateItem: ['dynamodb:UpdateItem'],
  Update: ['dynamodb:UpdateItem'],
  DeleteItem: ['dynamodb:DeleteItem'],
  Delete: ['dynamodb:DeleteItem'],
  Query: ['dynamodb:Query'],
  Scan: ['dynamodb:Scan'],
  BatchGetItem: ['dynamodb:BatchGetItem'],
  BatchGet: ['dynamodb:BatchGetItem'],
  BatchWriteItem: ['dynamodb:BatchWriteItem'],
  BatchWrite: ['dynamodb:BatchWriteItem'],
  TransactGetItems: ['dynamodb:GetItem'],
  TransactGet: ['dynamodb:GetItem'],
  // A transaction's parts are checked one by one: see transactionParts below.
  TransactWriteItems: [],
  TransactWrite: [],
  CreateTable: ['dynamodb:CreateTable'],
  DescribeTable: ['dynamodb:DescribeTable'],
};
/** IAM checks each part of a TransactWriteItems call as its own action. */
const ACTION_OF_TRANSACTION_PART: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

function storeSources(): Array<{ file: string; text: string }> {
  return readdirSync(STORE_DIRECTORY, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.ts$/.test(file) && !/\.test\.ts$/.test(file))
    .map((file) => ({ file, text: readFileSync(path.join(STORE_DIRECTORY, file), 'utf8') }));
}

/** The IAM actions the organiser store's code needs, from the commands it constructs. */
function actionsUsedByStore(): string[] {
  const actions = new Set<string>();
  const sources = storeSources();
  for (const { file, text } of sources) {
    for (const [, command = ''] of text.matchAll(/new (\w+)Command\(/g)) {
      const mapped = ACTION_OF_COMMAND[command];
      if (!mapped) throw new Error(`lib/store/${file} sends ${command}Command: add its IAM action to this test and to ORGANISER_STORE_ACTIONS`);
      for (const action of mapped) actions.add(action);
    }
    if (/\bwaitUntilTableExists\b/.test(text)) actions.add('dynamodb:DescribeTable');
  }
  // The parts of a transaction are object keys (`{ Put: … }`), wherever in lib/store they are built.
  if (sources.some(({ text }) => /new TransactWrite(Items)?Command\(/.test(text))) {
    for (const { text } of sources) {
      for (const [, part = ''] of text.matchAll(/\b(Put|Update|Delete|ConditionCheck)\s*:/g)) actions.add(ACTION_OF_TRANSACTION_PART[part]!);
    }
  }
  return [...actions].sort();
}

describe('the organiser policy', () => {
  it('allows on the organiser store exactly the actions lib/store performs', () => {
    expect(storeSources().length).toBeGreaterThan(0);
    expect([...ORGANISER_STORE_ACTIONS].sort()).toEqual(actionsUsedByStore());
  });

  it('names the organiser table of the configuration’s default', () => {
    expect(DEFAULT_ORGANISER_TABLE).toBe(readConfig({} as NodeJS.ProcessEnv).ORGANISER_TABLE);
  });

  it('scopes the store to its table and the role assumption to the scoreboard roles, and allows nothing else', () => {
    const policy = organiserPolicy({
      tableName: 'EventOrganiser',
      organiserAccountId: '111122223333',
      organiserRegion: 'eu-west-1',
      teamAccountIds: ['444455556666', '777788889999'],
    });
    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OrganiserStore',
          Effect: 'Allow',
          Action: [...ORGANISER_STORE_ACTIONS],
          Resource: ['arn:aws:dynamodb:eu-west-1:111122223333:table/EventOrganiser'],
        },
        {
          Sid: 'AssumeTeamScoreboardRoles',
          Effect: 'Allow',
          Action: ['sts:AssumeRole'],
          Resource: ['arn:aws:iam::444455556666:role/*AggregationScoreboard', 'arn:aws:iam::777788889999:role/*AggregationScoreboard'],
        },
      ],
    });
    expect(JSON.stringify(policy)).not.toMatch(/"(dynamodb|sts):\*"|"\*"/);
  });

  it('without accounts or region, allows the names in any account and region, in the partition of the region', () => {
    const policy = organiserPolicy({ tableName: DEFAULT_ORGANISER_TABLE });
    expect(policy.Statement.map((statement) => statement.Resource)).toEqual([
      ['arn:aws:dynamodb:*:*:table/WorkshopOrganiser'],
      ['arn:aws:iam::*:role/*AggregationScoreboard'],
    ]);
    expect(organiserPolicy({ tableName: 'T01', organiserRegion: 'cn-north-1' }).Statement[1]?.Resource).toEqual([
      'arn:aws-cn:iam::*:role/*AggregationScoreboard',
    ]);
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
    expect(partitionOf('eu-west-1')).toBe('aws');
  });

  it('matches the scoreboard role of every stack, prefixed or not, and none of the stacks’ other roles', () => {
    const outdir = mkdtempSync(path.join(os.tmpdir(), 'organiser-policy-'));
    try {
      const { stacks } = buildPipelineApp({ prefixes: ['team07', ''], variants: ['solution'], shardCount: 1, externalId: 'x1', outdir, withGenerator: true });
      const matchesPattern = (name: string) => new RegExp(`^${SCOREBOARD_ROLE_PATTERN.replaceAll('*', '.*')}$`).test(name);
      const roleNames = stacks.map((stack) =>
        Object.entries(Template.fromStack(stack).findResources('AWS::IAM::Role')).map(([logicalId, role]) => {
          // Roles without a RoleName get one from CloudFormation: stack name, logical id, random suffix.
          const named = (role.Properties as { RoleName?: string }).RoleName;
          return named ?? `${stack.stackName}-${logicalId}-ABCDEFGHIJ12`;
        }),
      );
      expect(roleNames.map((names) => names.filter(matchesPattern))).toEqual([['team07-AggregationScoreboard'], ['AggregationScoreboard']]);
      expect(roleNames.flat().filter((name) => !matchesPattern(name))).toHaveLength(8);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
