/**
 * One team's pipeline on AWS as a CDK stack (docs/game.md: "The pipeline and its handed-out
 * defects", "Where it runs"): the Kinesis stream, the four tables, the State, Map and Reduce
 * functions bundled with esbuild, their triggers, a least-privilege role per function, and the role
 * the scoreboard assumes from the organiser's account. The `starting` variant leaves the Lab 1
 * exercises undone; `solution` has them done. Opt-in: the workshop's GeneratorLambda, scheduled
 * every minute.
 */
import path from 'node:path';
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { DEFAULT_RESOURCES, type PipelineFunction, type PipelineResources, type TableSpec, tableEnvironment, tableSpec } from '@/lib/pipeline-resources';
import { handlerCode } from './bundle';
import { GeneratorFunction } from './generator-function';
import { roundStatements } from './round-permissions';
import { deployedWiring, functionSettings, type PipelineVariant, type TriggerConfig, variantDirectory } from './wiring';

export interface TeamPipelineProps extends StackProps {
  variant: PipelineVariant;
  /** Prefix of every resource name (`team01` → `team01-StateTable`); empty for the game's names (one team per account). */
  prefix: string;
  /** Shards of the Kinesis stream. */
  shardCount: number;
  /** The account the scoreboard runs in; the team's own account when absent. */
  organiserAccountId?: string;
  /** The external id the scoreboard passes when it assumes the role. */
  externalId: string;
  /** Also deploy the GeneratorLambda: a round against this stack every minute (default: no). */
  withGenerator?: boolean;
}

/** The resource names of a team's stack. */
export function awsResources(prefix: string): PipelineResources {
  const named = (name: string) => (prefix ? `${prefix}-${name}` : name);
  return {
    streamName: named(DEFAULT_RESOURCES.streamName),
    stateTable: named(DEFAULT_RESOURCES.stateTable),
    reduceTable: named(DEFAULT_RESOURCES.reduceTable),
    aggregateTable: named(DEFAULT_RESOURCES.aggregateTable),
    parameterTable: named(DEFAULT_RESOURCES.parameterTable),
  };
}

/** The deployed name of a function (`StateLambda`, as in the workshop, with the team's prefix). */
export function functionName(prefix: string, fn: PipelineFunction): string {
  const name = { state: 'StateLambda', map: 'MapLambda', reduce: 'ReduceLambda' }[fn];
  return prefix ? `${prefix}-${name}` : name;
}

/** The deployed name of the GeneratorLambda. */
export function generatorFunctionName(prefix: string): string {
  return prefix ? `${prefix}-GeneratorLambda` : 'GeneratorLambda';
}

/** The name of the EventBridge rule that runs the GeneratorLambda. */
export function generatorScheduleName(prefix: string): string {
  return prefix ? `${prefix}-GeneratorSchedule` : 'GeneratorSchedule';
}

/** The name of the role the scoreboard assumes, before any prefix. */
export const SCOREBOARD_ROLE_NAME = 'AggregationScoreboard';

/** The name of the role the scoreboard assumes. */
export function scoreboardRoleName(prefix: string): string {
  return prefix ? `${prefix}-${SCOREBOARD_ROLE_NAME}` : SCOREBOARD_ROLE_NAME;
}

export class TeamPipelineStack extends Stack {
  readonly resources: PipelineResources;

  constructor(scope: Construct, id: string, props: TeamPipelineProps) {
    super(scope, id, props);
    const { variant, prefix } = props;
    const wiring = deployedWiring(variant);
    this.resources = awsResources(prefix);

    const stream = new kinesis.Stream(this, 'IncomingDataStream', {
      streamName: this.resources.streamName,
      shardCount: props.shardCount,
      streamMode: kinesis.StreamMode.PROVISIONED,
      retentionPeriod: Duration.hours(24),
      encryption: kinesis.StreamEncryption.MANAGED,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const table = (role: TableSpec['role']) => {
      const spec = tableSpec(role);
      return new dynamodb.Table(this, DEFAULT_RESOURCES[spec.field], {
        tableName: this.resources[spec.field],
        partitionKey: { name: spec.hashKey, type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        stream: spec.stream ? dynamodb.StreamViewType[spec.stream] : undefined,
        removalPolicy: RemovalPolicy.DESTROY,
      });
    };
    const stateTable = table('state');
    const reduceTable = table('reduce');
    const aggregateTable = table('aggregate');
    const parameterTable = table('parameter');

    const streamRead = (sid: string, tableWithStream: dynamodb.Table) =>
      new iam.PolicyStatement({
        sid,
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
        resources: [tableWithStream.tableStreamArn as string],
      });
    const readFailurePercentage = () =>
      new iam.PolicyStatement({ sid: 'ReadFailurePercentage', actions: ['dynamodb:GetItem'], resources: [parameterTable.tableArn] });

    const permissions: Record<PipelineFunction, iam.PolicyStatement[]> = {
      state: [
        new iam.PolicyStatement({
          sid: 'ReadIncomingDataStream',
          actions: [
            'kinesis:DescribeStream',
            'kinesis:DescribeStreamSummary',
            'kinesis:GetRecords',
            'kinesis:GetShardIterator',
            'kinesis:ListShards',
            'kinesis:ListStreams',
          ],
          resources: [stream.streamArn],
        }),
        new iam.PolicyStatement({ sid: 'WriteStateTable', actions: ['dynamodb:PutItem'], resources: [stateTable.tableArn] }),
        readFailurePercentage(),
      ],
      map: [
        streamRead('ReadStateTableStream', stateTable),
        new iam.PolicyStatement({ sid: 'WriteReduceTable', actions: ['dynamodb:PutItem'], resources: [reduceTable.tableArn] }),
        readFailurePercentage(),
      ],
      reduce: [
        // Lab 1: the starting Reduce may neither read the ReduceTable's stream nor update the AggregateTable.
        ...(variant === 'solution'
          ? [
              streamRead('ReadReduceTableStream', reduceTable),
              new iam.PolicyStatement({ sid: 'UpdateAggregateTable', actions: ['dynamodb:UpdateItem'], resources: [aggregateTable.tableArn] }),
            ]
          : []),
        readFailurePercentage(),
      ],
    };

    const functions = {} as Record<PipelineFunction, lambda.Function>;
    for (const fn of ['state', 'map', 'reduce'] as const) {
      const settings = functionSettings(wiring)[fn];
      const name = functionName(prefix, fn);
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        logGroupName: `/aws/lambda/${name}`,
        retention: logs.RetentionDays.ONE_WEEK,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const role = new iam.Role(this, `${fn}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `${name}: least privilege for the ${fn} stage`,
      });
      role.addToPolicy(
        new iam.PolicyStatement({ sid: 'WriteLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
      );
      for (const statement of permissions[fn]) role.addToPolicy(statement);

      functions[fn] = new lambda.Function(this, `${fn}Function`, {
        functionName: name,
        code: handlerCode(path.join(variantDirectory(variant), settings.handler)),
        handler: 'index.handler',
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: 512,
        timeout: Duration.seconds(settings.timeoutSeconds),
        reservedConcurrentExecutions: settings.reservedConcurrency,
        role,
        logGroup,
        environment: { ...settings.environment, ...tableEnvironment(this.resources) },
      });
    }

    const sourceArn = (trigger: TriggerConfig) =>
      ({ IncomingDataStream: stream.streamArn, StateTable: stateTable.tableStreamArn as string, ReduceTable: reduceTable.tableStreamArn as string })[
        trigger.source
      ];
    for (const trigger of wiring.triggers) {
      const target = functions[trigger.function];
      const mapping = new lambda.EventSourceMapping(this, `${trigger.source}To${trigger.function}`, {
        target,
        eventSourceArn: sourceArn(trigger),
        batchSize: trigger.batchSize,
        maxBatchingWindow: trigger.maximumBatchingWindowInSeconds ? Duration.seconds(trigger.maximumBatchingWindowInSeconds) : undefined,
        startingPosition: lambda.StartingPosition[trigger.startingPosition],
        retryAttempts: trigger.maximumRetryAttempts >= 0 ? trigger.maximumRetryAttempts : undefined,
      });
      // The trigger is checked against the role's permissions when it is created.
      if (target.role) mapping.node.addDependency(target.role);
    }

    const scoreboardRole = new iam.Role(this, 'ScoreboardRole', {
      roleName: scoreboardRoleName(prefix),
      assumedBy: new iam.AccountPrincipal(props.organiserAccountId ?? Aws.ACCOUNT_ID),
      externalIds: [props.externalId],
      description: 'Assumed by the workshop scoreboard: sends rounds, reads totals, sets failure percentages',
    });
    for (const statement of roundStatements({ stream, aggregateTable, parameterTable })) scoreboardRole.addToPolicy(statement);

    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output('Variant', variant, 'starting (Lab 1 to do) or solution');
    output('Region', Aws.REGION, 'Region of this team’s pipeline');
    output('ScoreboardRoleArn', scoreboardRole.roleArn, 'Role the scoreboard assumes (with the external id)');
    output('ExternalId', props.externalId, 'External id the scoreboard passes when assuming the role');
    output('StreamName', stream.streamName, 'Kinesis stream the generator sends rounds to');
    output('StateTableName', stateTable.tableName, 'StateTable');
    output('ReduceTableName', reduceTable.tableName, 'ReduceTable');
    output('AggregateTableName', aggregateTable.tableName, 'AggregateTable the scoreboard reads');
    output('ParameterTableName', parameterTable.tableName, 'ParameterTable holding the failure percentages');
    output('StateFunctionName', functions.state.functionName, 'State function');
    output('MapFunctionName', functions.map.functionName, 'Map function');
    output('ReduceFunctionName', functions.reduce.functionName, 'Reduce function');

    if (props.withGenerator) {
      const generator = new GeneratorFunction(this, 'Generator', {
        functionName: generatorFunctionName(prefix),
        scheduleName: generatorScheduleName(prefix),
        stream,
        aggregateTable,
        parameterTable,
      });
      output('GeneratorFunctionName', generator.function.functionName, 'GeneratorLambda: one round a minute (its log shows each verdict)');
      output('GeneratorScheduleName', generator.schedule.ruleName, 'EventBridge rule running the GeneratorLambda (disable it to pause the rounds)');
    }
  }
}
