/**
 * Tests of the synthesized CloudFormation templates of a team stack (both variants): resources,
 * stream view types, trigger settings equal to the wiring files, Reduce's concurrency, IAM scoped
 * to resource ARNs, the starting variant missing exactly the Lab 1 pieces, and the opt-in
 * GeneratorLambda (scheduled every minute, least privilege) present only when asked for.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_RECORD_PARAMETER } from '@/generator/account-record';
import { CLOSING_MS, ROUND_OVERHEAD_MS } from '@/generator/lambda';
import { IMPORTED_OUTPUTS, teamOfStack } from '@/lib/api/team-import';
import { DEFAULT_RESOURCES, TABLE_SPECS } from '@/lib/pipeline-resources';
import { stackOutputs } from '@/testing/cdk-outputs';
import { buildPipelineApp, stackName } from './app';
import { GENERATOR_TIMEOUT_SECONDS } from './generator-function';
import { ORGANISER_POLICY_FILE, organiserPolicy } from './organiser-policy';
import { deployedWiring, PIPELINE_DIRECTORY, readWiringFile, wiringFileOf } from './wiring';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: unknown }>;
interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

const ORGANISER = '123456789012';
const EXTERNAL_ID = 'event-2024-secret';
let outdir: string;
const templates = {} as Record<'starting' | 'solution', Template>;
let defaultNames: Template;
let withGenerator: Template;

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'pipeline-synth-'));
  const options = { shardCount: 6, organiserAccountId: ORGANISER, externalId: EXTERNAL_ID, outdir };
  const [starting, solution] = buildPipelineApp({ ...options, prefixes: ['team01'], variants: ['starting', 'solution'] }).stacks;
  templates.starting = Template.fromStack(starting!);
  templates.solution = Template.fromStack(solution!);
  const [unprefixed] = buildPipelineApp({ ...options, prefixes: [''], variants: ['solution'], organiserAccountId: undefined }).stacks;
  defaultNames = Template.fromStack(unprefixed!);
  const [generated] = buildPipelineApp({ ...options, prefixes: ['team01'], variants: ['starting'], withGenerator: true }).stacks;
  withGenerator = Template.fromStack(generated!);
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function resources(template: Template): Resources {
  return template.toJSON().Resources as Resources;
}

function logicalIdOf(template: Template, type: string, property: string, value: string): string {
  const entry = Object.entries(resources(template)).find(([, resource]) => resource.Type === type && resource.Properties?.[property] === value);
  if (!entry) throw new Error(`no ${type} with ${property} = ${value}`);
  return entry[0];
}

function getAtt(logicalId: string, attribute: string) {
  return { 'Fn::GetAtt': [logicalId, attribute] };
}

/** The triggers of a template as wiring entries (function, source, batch size, window, starting position). */
function triggersOf(template: Template) {
  const functions = Object.fromEntries(
    ['state', 'map', 'reduce'].map((fn) => [
      logicalIdOf(template, 'AWS::Lambda::Function', 'FunctionName', `team01-${fn.charAt(0).toUpperCase()}${fn.slice(1)}Lambda`),
      fn,
    ]),
  );
  const sources: Record<string, string> = {
    [JSON.stringify(getAtt(logicalIdOf(template, 'AWS::Kinesis::Stream', 'Name', 'team01-IncomingDataStream'), 'Arn'))]: 'IncomingDataStream',
    [JSON.stringify(getAtt(logicalIdOf(template, 'AWS::DynamoDB::Table', 'TableName', 'team01-StateTable'), 'StreamArn'))]: 'StateTable',
    [JSON.stringify(getAtt(logicalIdOf(template, 'AWS::DynamoDB::Table', 'TableName', 'team01-ReduceTable'), 'StreamArn'))]: 'ReduceTable',
  };
  return Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).map((resource) => {
    const properties = resource.Properties as Record<string, unknown>;
    return {
      function: functions[(properties.FunctionName as { Ref: string }).Ref],
      source: sources[JSON.stringify(properties.EventSourceArn)],
      batchSize: properties.BatchSize,
      maximumBatchingWindowInSeconds: properties.MaximumBatchingWindowInSeconds ?? 0,
      startingPosition: properties.StartingPosition,
      maximumRetryAttempts: properties.MaximumRetryAttempts ?? -1,
    };
  });
}

function statementsOf(template: Template): Array<Statement & { policy: string }> {
  return Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([policy, resource]) =>
    (resource.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement.map((statement) => ({ ...statement, policy })),
  );
}

describe.each(['starting', 'solution'] as const)('%s variant', (variant) => {
  it('has the stream, the four tables, three functions with their log groups, and four roles', () => {
    const template = templates[variant];
    template.resourceCountIs('AWS::Kinesis::Stream', 1);
    template.resourceCountIs('AWS::DynamoDB::Table', 4);
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.resourceCountIs('AWS::Logs::LogGroup', 3);
    template.resourceCountIs('AWS::IAM::Role', 4);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', variant === 'solution' ? 3 : 1);
    template.hasResourceProperties('AWS::Kinesis::Stream', { Name: 'team01-IncomingDataStream', ShardCount: 6 });
    for (const fn of ['StateLambda', 'MapLambda', 'ReduceLambda']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `team01-${fn}`,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Timeout: 60,
        Environment: {
          Variables: {
            STATE_TABLE_NAME: 'team01-StateTable',
            REDUCE_TABLE_NAME: 'team01-ReduceTable',
            AGGREGATE_TABLE_NAME: 'team01-AggregateTable',
            PARAMETER_TABLE_NAME: 'team01-ParameterTable',
          },
        },
        LoggingConfig: { LogGroup: Match.anyValue() },
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/aws/lambda/team01-${fn}` });
    }
  });

  it('bundles each function from its own handler file of the variant, with the AWS SDK left to the runtime', () => {
    const directory = variant === 'solution' ? 'solution' : 'handlers';
    for (const fn of ['state', 'map', 'reduce']) {
      const name = `team01-${fn.charAt(0).toUpperCase()}${fn.slice(1)}Lambda`;
      const properties = resources(templates[variant])[logicalIdOf(templates[variant], 'AWS::Lambda::Function', 'FunctionName', name)]!.Properties ?? {};
      const assetHash = String((properties.Code as { S3Key: string }).S3Key).replace(/\.zip$/, '');
      const bundle = readFileSync(path.join(outdir, `asset.${assetHash}`, 'index.js'), 'utf8');
      expect(bundle).toContain(`// pipeline/${directory}/${fn}.ts`);
      expect(bundle).toContain('require("@aws-sdk/client-dynamodb")');
      expect(bundle).not.toMatch(new RegExp(`// pipeline/(handlers|solution)/(?!${fn}\\.ts)\\w+\\.ts`));
    }
  });

  it('gives each table its key and the stream view type of its role', () => {
    for (const spec of TABLE_SPECS) {
      templates[variant].hasResourceProperties('AWS::DynamoDB::Table', {
        TableName: `team01-${DEFAULT_RESOURCES[spec.field]}`,
        KeySchema: [{ AttributeName: spec.hashKey, KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: spec.hashKey, AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: spec.stream ? { StreamViewType: spec.stream } : Match.absent(),
      });
    }
  });

  it('deploys the trigger settings of its wiring', () => {
    expect(triggersOf(templates[variant])).toEqual(readWiringFile(wiringFileOf(variant)).triggers);
    expect(deployedWiring(variant)).toEqual(readWiringFile(wiringFileOf(variant)));
  });

  it('limits Reduce to one concurrent execution only in the solution', () => {
    const limited = Object.values(templates[variant].findResources('AWS::Lambda::Function')).filter(
      (resource) => (resource.Properties as Record<string, unknown>).ReservedConcurrentExecutions !== undefined,
    );
    if (variant === 'solution') {
      expect(limited.map((resource) => resource.Properties)).toEqual([
        expect.objectContaining({ FunctionName: 'team01-ReduceLambda', ReservedConcurrentExecutions: 1 }),
      ]);
    } else {
      expect(limited).toEqual([]);
    }
  });

  it('scopes every IAM statement to a resource ARN of this stack, with no managed policies', () => {
    const template = templates[variant];
    const statements = statementsOf(template);
    expect(statements.length).toBeGreaterThan(10);
    const logicalIds = new Set(Object.keys(resources(template)));
    for (const statement of statements) {
      const list = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      for (const resource of list) {
        expect(JSON.stringify(resource), `${statement.policy} ${statement.Sid}`).not.toMatch(/"\*"|^"\*/);
        const [logicalId] = (resource as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
        expect(logicalIds.has(logicalId), `${statement.Sid} → ${logicalId}`).toBe(true);
      }
    }
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect((role.Properties as Record<string, unknown>).ManagedPolicyArns).toBeUndefined();
    }
  });

  it('lets the scoreboard assume a role from the organiser account with the external id, for exactly its calls', () => {
    const template = templates[variant];
    const aggregate = logicalIdOf(template, 'AWS::DynamoDB::Table', 'TableName', 'team01-AggregateTable');
    const parameter = logicalIdOf(template, 'AWS::DynamoDB::Table', 'TableName', 'team01-ParameterTable');
    const stream = logicalIdOf(template, 'AWS::Kinesis::Stream', 'Name', 'team01-IncomingDataStream');
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'team01-AggregationScoreboard',
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ORGANISER}:root`]] } },
            Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID } },
          },
        ],
      },
    });
    const scoreboardPolicy = Object.keys(template.findResources('AWS::IAM::Policy')).find((id) => id.startsWith('ScoreboardRole'));
    const statements = statementsOf(template).filter((statement) => statement.policy === scoreboardPolicy);
    expect(statements.map(({ Action, Resource }) => ({ Action, Resource }))).toEqual([
      { Action: ['kinesis:PutRecords', 'kinesis:DescribeStreamSummary', 'kinesis:ListShards'], Resource: getAtt(stream, 'Arn') },
      { Action: 'dynamodb:BatchGetItem', Resource: getAtt(aggregate, 'Arn') },
      { Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: getAtt(parameter, 'Arn') },
    ]);
  });

  it('outputs what the organiser hands on: role ARN, external id, names and region', () => {
    const outputs = templates[variant].toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'AggregateTableName',
        'ExternalId',
        'MapFunctionName',
        'ParameterTableName',
        'ReduceFunctionName',
        'ReduceTableName',
        'Region',
        'ScoreboardRoleArn',
        'StateFunctionName',
        'StateTableName',
        'StreamName',
        'Variant',
      ].sort(),
    );
    expect(outputs.Region?.Value).toEqual({ Ref: 'AWS::Region' });
    expect(outputs.ExternalId?.Value).toBe(EXTERNAL_ID);
    expect(outputs.Variant?.Value).toBe(variant);
  });
});

describe('the outputs the bulk import reads (POST /api/admin/teams/import)', () => {
  it('are those testing/cdk-outputs.ts writes, and the stack names of the app give each team its slug', () => {
    const outputs = Object.keys(templates.starting.toJSON().Outputs as object).sort();
    expect(outputs).toEqual(expect.arrayContaining([...IMPORTED_OUTPUTS]));
    for (const [prefix, variant] of [
      ['team01', 'starting'],
      ['', 'solution'],
    ] as const) {
      const written = stackOutputs({ prefix, account: ORGANISER, variant });
      expect(Object.keys(written)).toEqual([stackName(prefix, variant)]);
      const [stackOutputNames] = Object.values(written).map((values) => Object.keys(values).sort());
      expect(stackOutputNames).toEqual(outputs);
      const team = teamOfStack(stackName(prefix, variant), Object.values(written)[0]);
      expect(team).toMatchObject({
        slug: prefix || `account-${ORGANISER}`,
        resources: { aggregateTable: prefix ? `${prefix}-AggregateTable` : 'AggregateTable' },
      });
    }
  });
});

describe('starting versus solution', () => {
  it('the starting template is the solution without exactly the Lab 1 pieces', () => {
    const solution = structuredClone(templates.solution.toJSON());
    const starting = structuredClone(templates.starting.toJSON());
    const solutionResources = solution.Resources as Resources;
    const reduceFunction = logicalIdOf(templates.solution, 'AWS::Lambda::Function', 'FunctionName', 'team01-ReduceLambda');
    const reducePolicy = Object.keys(solutionResources).find((id) => id.startsWith('reduceRoleDefaultPolicy')) as string;

    // Lab 1: the State trigger, the Reduce trigger, Reduce's concurrency limit and Reduce's two permissions.
    const lab1Triggers = triggersOf(templates.solution).filter((trigger) => trigger.function !== 'map');
    expect(lab1Triggers.map((trigger) => `${trigger.source}->${trigger.function}`)).toEqual(['IncomingDataStream->state', 'ReduceTable->reduce']);
    for (const [id, resource] of Object.entries(solutionResources)) {
      const target = (resource.Properties?.FunctionName as { Ref?: string } | undefined)?.Ref;
      if (
        resource.Type === 'AWS::Lambda::EventSourceMapping' &&
        target !== logicalIdOf(templates.solution, 'AWS::Lambda::Function', 'FunctionName', 'team01-MapLambda')
      ) {
        delete solutionResources[id];
      }
    }
    delete solutionResources[reduceFunction]!.Properties?.ReservedConcurrentExecutions;
    const document = (solutionResources[reducePolicy]!.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument;
    const removed = document.Statement.filter((statement) => ['ReadReduceTableStream', 'UpdateAggregateTable'].includes(statement.Sid ?? ''));
    expect(removed.map((statement) => statement.Action)).toEqual([
      ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
      'dynamodb:UpdateItem',
    ]);
    document.Statement = document.Statement.filter((statement) => !removed.includes(statement));

    // What remains differs only in the handler code and the variant's name.
    for (const template of [solution, starting]) {
      for (const resource of Object.values(template.Resources as Resources)) {
        if (resource.Type === 'AWS::Lambda::Function') delete resource.Properties?.Code;
      }
      delete template.Outputs.Variant;
      delete template.Description;
    }
    expect(starting).toEqual(solution);
  });

  it('without a prefix, resources carry the game’s names and the scoreboard trusts the team’s own account when no organiser is given', () => {
    defaultNames.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'AggregateTable' });
    defaultNames.hasResourceProperties('AWS::Kinesis::Stream', { Name: 'IncomingDataStream' });
    defaultNames.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'ReduceLambda', ReservedConcurrentExecutions: 1 });
    defaultNames.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'AggregationScoreboard',
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({ Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] } } }),
        ],
      },
    });
  });
});

describe('the GeneratorLambda (opt-in)', () => {
  const generatorId = () => logicalIdOf(withGenerator, 'AWS::Lambda::Function', 'FunctionName', 'team01-GeneratorLambda');

  it('is absent unless asked for', () => {
    for (const template of [templates.starting, templates.solution, defaultNames]) {
      template.resourceCountIs('AWS::Events::Rule', 0);
      template.resourceCountIs('AWS::Lambda::Function', 3);
      expect(Object.keys(template.toJSON().Outputs).filter((output) => output.startsWith('Generator'))).toEqual([]);
    }
  });

  it('adds only the function, its log group, role, schedule and invoke permission to the stack', () => {
    const added = structuredClone(withGenerator.toJSON());
    const plain = structuredClone(templates.starting.toJSON());
    const addedTypes = Object.entries(added.Resources as Resources)
      .filter(([id]) => id.startsWith('Generator'))
      .map(([, resource]) => resource.Type)
      .sort();
    expect(addedTypes).toEqual(
      [
        'AWS::Events::Rule',
        'AWS::IAM::Policy',
        'AWS::IAM::Role',
        'AWS::Lambda::EventInvokeConfig',
        'AWS::Lambda::Function',
        'AWS::Lambda::Permission',
        'AWS::Logs::LogGroup',
      ].sort(),
    );
    for (const id of Object.keys(added.Resources)) if (id.startsWith('Generator')) delete added.Resources[id];
    delete added.Outputs.GeneratorFunctionName;
    delete added.Outputs.GeneratorScheduleName;
    expect(added).toEqual(plain);
  });

  it('runs generator/lambda.ts every minute, once per event, with the round settings of the workshop', () => {
    const generator = generatorId();
    withGenerator.hasResourceProperties('AWS::Events::Rule', {
      Name: 'team01-GeneratorSchedule',
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: getAtt(generator, 'Arn'), RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } })],
    });
    const [rule = 'no AWS::Events::Rule'] = Object.keys(withGenerator.findResources('AWS::Events::Rule'));
    withGenerator.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: getAtt(generator, 'Arn'),
      Principal: 'events.amazonaws.com',
      SourceArn: getAtt(rule, 'Arn'),
    });
    withGenerator.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'team01-GeneratorLambda',
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      // No LAB: the lab follows the account's score.
      Environment: {
        Variables: {
          STREAM_NAME: { Ref: logicalIdOf(withGenerator, 'AWS::Kinesis::Stream', 'Name', 'team01-IncomingDataStream') },
          AGGREGATE_TABLE_NAME: { Ref: logicalIdOf(withGenerator, 'AWS::DynamoDB::Table', 'TableName', 'team01-AggregateTable') },
          PARAMETER_TABLE_NAME: { Ref: logicalIdOf(withGenerator, 'AWS::DynamoDB::Table', 'TableName', 'team01-ParameterTable') },
          ROUND_MESSAGES: '10000',
          ROUND_DEADLINE_SECONDS: '30',
        },
      },
      LoggingConfig: { LogGroup: Match.anyValue() },
    });
    withGenerator.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/lambda/team01-GeneratorLambda' });
    const properties = resources(withGenerator)[generator]!.Properties ?? {};
    const assetHash = String((properties.Code as { S3Key: string }).S3Key).replace(/\.zip$/, '');
    const bundle = readFileSync(path.join(outdir, `asset.${assetHash}`, 'index.js'), 'utf8');
    expect(bundle).toContain('// generator/lambda.ts');
    expect(bundle).not.toMatch(/require\("@aws-sdk\/client-/);
  });

  it('cannot overlap itself: one execution at a time, a timeout below the period, late invocations dropped', () => {
    const generator = generatorId();
    const properties = resources(withGenerator)[generator]?.Properties ?? {};
    expect(properties.ReservedConcurrentExecutions).toBe(1);
    const [rule] = Object.values(withGenerator.findResources('AWS::Events::Rule'));
    const period = /^rate\((\d+) minutes?\)$/.exec(String(rule?.Properties?.ScheduleExpression));
    expect(period).not.toBeNull();
    const periodSeconds = Number(period?.[1]) * 60;
    expect(properties.Timeout).toBe(GENERATOR_TIMEOUT_SECONDS);
    expect(GENERATOR_TIMEOUT_SECONDS).toBeLessThan(periodSeconds);
    // The round's own budget (deadline, making, sending, confirming, writing the result) fits the timeout.
    expect(30_000 + ROUND_OVERHEAD_MS + CLOSING_MS).toBeLessThanOrEqual(GENERATOR_TIMEOUT_SECONDS * 1000);
    withGenerator.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: generator },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: periodSeconds,
    });
  });

  it('may send to the stream, read the totals, set the failure percentages and keep its score, and nothing else', () => {
    const generatorPolicy = Object.keys(withGenerator.findResources('AWS::IAM::Policy')).find((id) => id.startsWith('GeneratorRole'));
    const statements = statementsOf(withGenerator).filter((statement) => statement.policy === generatorPolicy);
    expect(statements.map(({ Action, Resource }) => ({ Action, Resource }))).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: getAtt(logicalIdOf(withGenerator, 'AWS::Logs::LogGroup', 'LogGroupName', '/aws/lambda/team01-GeneratorLambda'), 'Arn'),
      },
      {
        Action: ['kinesis:PutRecords', 'kinesis:DescribeStreamSummary', 'kinesis:ListShards'],
        Resource: getAtt(logicalIdOf(withGenerator, 'AWS::Kinesis::Stream', 'Name', 'team01-IncomingDataStream'), 'Arn'),
      },
      { Action: 'dynamodb:BatchGetItem', Resource: getAtt(logicalIdOf(withGenerator, 'AWS::DynamoDB::Table', 'TableName', 'team01-AggregateTable'), 'Arn') },
      {
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: getAtt(logicalIdOf(withGenerator, 'AWS::DynamoDB::Table', 'TableName', 'team01-ParameterTable'), 'Arn'),
      },
      {
        Action: 'dynamodb:UpdateItem',
        Resource: getAtt(logicalIdOf(withGenerator, 'AWS::DynamoDB::Table', 'TableName', 'team01-ParameterTable'), 'Arn'),
      },
    ]);
    expect(statements.find((statement) => statement.Sid === 'KeepScore')).toMatchObject({
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [ACCOUNT_RECORD_PARAMETER] } },
    });
    const role = logicalIdOf(
      withGenerator,
      'AWS::IAM::Role',
      'Description',
      'team01-GeneratorLambda: sends a round every minute and judges the AggregateTable',
    );
    expect(resources(withGenerator)[role]?.Properties).toMatchObject({
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }] },
    });
    expect(resources(withGenerator)[role]?.Properties?.ManagedPolicyArns).toBeUndefined();
  });
});

describe('npm run pipeline:synth', () => {
  const run = promisify(execFile);
  // Run as npm runs it: from the repository root, whose tsconfig.json tells tsx where `@/` points.
  const root = path.join(PIPELINE_DIRECTORY, '..');
  const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
  const synth = path.join(PIPELINE_DIRECTORY, 'infra', 'synth.ts');

  it('writes the templates of both variants and the organiser policy, and says where', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'pipeline-synth-cli-'));
    try {
      const { stdout } = await run(
        tsx,
        [
          synth,
          ...['--prefix', 'team07', '--shards', '2', '--out', out],
          ...['--organiser-account', ORGANISER, '--organiser-region', 'eu-west-1', '--team-account', '444455556666'],
        ],
        { cwd: root },
      );
      const shown = (file: string) => path.relative(root, path.join(out, file));
      expect(stdout).toContain(`team07-AggregationPipeline-starting: ${shown('team07-AggregationPipeline-starting.template.json')}`);
      expect(stdout).toContain(`team07-AggregationPipeline-solution: ${shown('team07-AggregationPipeline-solution.template.json')}`);
      expect(existsSync(path.join(out, 'team07-AggregationPipeline-solution.template.json'))).toBe(true);
      expect(existsSync(path.join(out, 'manifest.json'))).toBe(true);
      expect(readFileSync(path.join(out, 'team07-AggregationPipeline-solution.template.json'), 'utf8')).not.toContain('GeneratorLambda');
      expect(stdout).toContain(
        `Organiser policy (the organiser store WorkshopOrganiser, sts:AssumeRole on the teams' scoreboard roles): ${shown(ORGANISER_POLICY_FILE)}`,
      );
      expect(JSON.parse(readFileSync(path.join(out, ORGANISER_POLICY_FILE), 'utf8'))).toEqual(
        organiserPolicy({ tableName: 'WorkshopOrganiser', organiserAccountId: ORGANISER, organiserRegion: 'eu-west-1', teamAccountIds: ['444455556666'] }),
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('includes the GeneratorLambda with --with-generator', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'pipeline-synth-cli-'));
    try {
      const { stdout } = await run(tsx, [synth, '--variant', 'solution', '--with-generator', '--out', out], { cwd: root });
      expect(stdout).toContain('includes the GeneratorLambda');
      const template = JSON.parse(readFileSync(path.join(out, 'AggregationPipeline-solution.template.json'), 'utf8'));
      const functions = Object.values(template.Resources as Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function');
      expect(functions.map((resource) => resource.Properties?.FunctionName).sort()).toEqual(['GeneratorLambda', 'MapLambda', 'ReduceLambda', 'StateLambda']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('rejects a bad option with a line saying what to fix', async () => {
    const failure = await run(tsx, [synth, '--organiser-account', '12345'], { cwd: root }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toContain('must be a 12-digit AWS account id');
    const badRegion = await run(tsx, [synth, '--organiser-region', 'europe'], { cwd: root }).catch((error: { code: number; stderr: string }) => error);
    expect(badRegion).toMatchObject({ code: 1 });
    expect((badRegion as { stderr: string }).stderr).toContain('must be an AWS region such as eu-west-1');
  });
});
