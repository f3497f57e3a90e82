/**
 * What `cdk deploy --outputs-file` writes for a team's pipeline stack (pipeline/infra/team-stack.ts),
 * for tests of the bulk import: the stack's name and its outputs, with the names the stack gives its
 * resources (a prefix per team, or none for one team per account). templates.test.ts checks these
 * against a synthesised stack's outputs.
 */
import { DEFAULT_RESOURCES } from '../lib/pipeline-resources';

export interface DeployedStack {
  /** '' for an unprefixed stack (one team per account). */
  prefix: string;
  account: string;
  region?: string;
  externalId?: string;
  variant?: 'starting' | 'solution';
}

/** `{ "<stack name>": { Region, ScoreboardRoleArn, … } }`, as one deployment writes it. */
export function stackOutputs({ prefix, account, region = 'eu-west-1', externalId = 'event-external-id', variant = 'starting' }: DeployedStack) {
  const named = (name: string) => (prefix ? `${prefix}-${name}` : name);
  return {
    [named(`AggregationPipeline-${variant}`)]: {
      Variant: variant,
      Region: region,
      ScoreboardRoleArn: `arn:aws:iam::${account}:role/${named('AggregationScoreboard')}`,
      ExternalId: externalId,
      StreamName: named(DEFAULT_RESOURCES.streamName),
      StateTableName: named(DEFAULT_RESOURCES.stateTable),
      ReduceTableName: named(DEFAULT_RESOURCES.reduceTable),
      AggregateTableName: named(DEFAULT_RESOURCES.aggregateTable),
      ParameterTableName: named(DEFAULT_RESOURCES.parameterTable),
      StateFunctionName: named('StateLambda'),
      MapFunctionName: named('MapLambda'),
      ReduceFunctionName: named('ReduceLambda'),
    },
  };
}

/**
 * AWS endpoints on a closed port of this machine, for processes that hold imported teams of made-up
 * accounts: their role assumptions and table reads fail at once here instead of looking for AWS.
 */
export const NO_AWS_ENDPOINTS = {
  AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_KINESIS: 'http://127.0.0.1:9',
};
