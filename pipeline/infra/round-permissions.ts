/**
 * What a round does in a team's stack, as IAM statements: send the burst into the stream, read the
 * totals of the AggregateTable, set the failure percentages in the ParameterTable. Shared by the role
 * the central scoreboard assumes and by the GeneratorLambda's role, which run the same round code.
 */
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';

/** How lib/aws/aggregate-table.ts reads the AggregateTable. */
export const READ_TOTALS_ACTIONS = ['dynamodb:BatchGetItem'];

export interface RoundResources {
  stream: kinesis.IStream;
  aggregateTable: dynamodb.ITable;
  parameterTable: dynamodb.ITable;
}

/** The statements a round needs, each scoped to its resource's ARN. */
export function roundStatements(resources: RoundResources): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'SendRounds',
      actions: ['kinesis:PutRecords', 'kinesis:DescribeStreamSummary', 'kinesis:ListShards'],
      resources: [resources.stream.streamArn],
    }),
    new iam.PolicyStatement({ sid: 'ReadTotals', actions: READ_TOTALS_ACTIONS, resources: [resources.aggregateTable.tableArn] }),
    new iam.PolicyStatement({
      sid: 'SetFailurePercentages',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      resources: [resources.parameterTable.tableArn],
    }),
  ];
}
