/**
 * The workshop's GeneratorLambda, an opt-in of a team's stack: generator/lambda.ts scheduled every
 * minute by an EventBridge rule, running one round against the pipeline of its own stack and keeping
 * the account's score in its ParameterTable, with exactly the permissions that needs. It never
 * overlaps itself: one execution at a time, a timeout below the period, and the round's own guard.
 */
import path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ACCOUNT_RECORD_PARAMETER } from '@/generator/account-record';
import { handlerCode } from './bundle';
import { roundStatements } from './round-permissions';
import { PIPELINE_DIRECTORY } from './wiring';

export const GENERATOR_ENTRY = path.resolve(PIPELINE_DIRECTORY, '..', 'generator', 'lambda.ts');
/** One round a minute. */
export const GENERATOR_PERIOD_SECONDS = 60;
/**
 * Below the period, so a round has ended before the next one is due; above the default deadline
 * (30 s) plus what generator/lambda.ts keeps for making, sending and confirming a round and for
 * writing its result (18 s).
 */
export const GENERATOR_TIMEOUT_SECONDS = 55;

export interface GeneratorFunctionProps {
  functionName: string;
  /** Name of the EventBridge rule, so an organiser can find it to pause the rounds. */
  scheduleName: string;
  stream: kinesis.IStream;
  aggregateTable: dynamodb.ITable;
  parameterTable: dynamodb.ITable;
}

export class GeneratorFunction extends Construct {
  readonly function: lambda.Function;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: GeneratorFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: logs.RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.functionName}: sends a round every minute and judges the AggregateTable`,
    });
    role.addToPolicy(new iam.PolicyStatement({ sid: 'WriteLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    for (const statement of roundStatements(props)) role.addToPolicy(statement);
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'KeepScore',
        actions: ['dynamodb:UpdateItem'],
        resources: [props.parameterTable.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [ACCOUNT_RECORD_PARAMETER] } },
      }),
    );

    this.function = new lambda.Function(this, 'Function', {
      functionName: props.functionName,
      // Not edited by participants: it carries its own AWS SDK, the versions this repository tests.
      code: handlerCode(GENERATOR_ENTRY, 'bundled'),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 1024,
      timeout: Duration.seconds(GENERATOR_TIMEOUT_SECONDS),
      // One round at a time: a second invocation waits (throttled) rather than running beside it.
      reservedConcurrentExecutions: 1,
      role,
      logGroup,
      // A round that failed is over, and an invocation that could not start within the period is
      // dropped: the next one comes with the next minute.
      retryAttempts: 0,
      maxEventAge: Duration.seconds(GENERATOR_PERIOD_SECONDS),
      // The contract at the top of generator/lambda.ts; the lab follows the account's score (an organiser may force one with LAB).
      environment: {
        STREAM_NAME: props.stream.streamName,
        AGGREGATE_TABLE_NAME: props.aggregateTable.tableName,
        PARAMETER_TABLE_NAME: props.parameterTable.tableName,
        ROUND_MESSAGES: '10000',
        ROUND_DEADLINE_SECONDS: '30',
      },
    });

    this.schedule = new events.Rule(this, 'EveryMinute', {
      ruleName: props.scheduleName,
      description: `Runs ${props.functionName}: one round a minute`,
      schedule: events.Schedule.rate(Duration.seconds(GENERATOR_PERIOD_SECONDS)),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0, maxEventAge: Duration.seconds(GENERATOR_PERIOD_SECONDS) })],
    });
  }
}
