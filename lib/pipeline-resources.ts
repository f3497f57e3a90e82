/**
 * The resources of one team's pipeline (SPEC §5): default names, table keys and stream view types.
 * Shared by the local stack (which creates them in DynamoDB Local and the Kinesis emulator) and the
 * AWS deployment (which declares them in CloudFormation).
 */

export type StreamViewType = 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES';

export interface TableSpec {
  /** Logical role of the table in the pipeline. */
  role: 'state' | 'reduce' | 'aggregate' | 'parameter';
  defaultName: string;
  hashKey: string;
  stream: StreamViewType | null;
}

export const TABLE_SPECS: readonly TableSpec[] = [
  { role: 'state', defaultName: 'StateTable', hashKey: 'id', stream: 'NEW_AND_OLD_IMAGES' },
  { role: 'reduce', defaultName: 'ReduceTable', hashKey: 'MessageId', stream: 'NEW_IMAGE' },
  { role: 'aggregate', defaultName: 'AggregateTable', hashKey: 'Identifier', stream: null },
  { role: 'parameter', defaultName: 'ParameterTable', hashKey: 'parameter', stream: null },
];

export const DEFAULT_STREAM_NAME = 'IncomingDataStream';
export const DEFAULT_SHARD_COUNT = 4;

/** Names of a team's resources. */
export interface PipelineResources {
  streamName: string;
  stateTable: string;
  reduceTable: string;
  aggregateTable: string;
  parameterTable: string;
}

export const DEFAULT_RESOURCES: PipelineResources = {
  streamName: DEFAULT_STREAM_NAME,
  stateTable: 'StateTable',
  reduceTable: 'ReduceTable',
  aggregateTable: 'AggregateTable',
  parameterTable: 'ParameterTable',
};

/** The resource names of a local team: standard table names, a stream name prefixed with the slug. */
export function localResources(slug: string): PipelineResources {
  return { ...DEFAULT_RESOURCES, streamName: `${slug}-${DEFAULT_RESOURCES.streamName}` };
}

/** The table name of a role within a team's resources. */
export function tableName(resources: PipelineResources, role: TableSpec['role']): string {
  return { state: resources.stateTable, reduce: resources.reduceTable, aggregate: resources.aggregateTable, parameter: resources.parameterTable }[role];
}

/** ParameterTable items holding each function's failure percentage (Lab 2). */
export const FAILURE_PARAMETERS = {
  state: 'FAILURE_STATE_LAMBDA_PCT',
  map: 'FAILURE_MAP_LAMBDA_PCT',
  reduce: 'FAILURE_REDUCE_LAMBDA_PCT',
} as const;

export type PipelineFunction = keyof typeof FAILURE_PARAMETERS;
export const PIPELINE_FUNCTIONS: readonly PipelineFunction[] = ['state', 'map', 'reduce'];

/** Lab 2 failure percentages of the workshop. */
export const DEFAULT_FAILURE_PERCENTAGES: Readonly<Record<PipelineFunction, number>> = { state: 5, map: 10, reduce: 10 };

/** Environment variables through which handlers learn their table names (same names on AWS Lambda). */
export function tableEnvironment(resources: PipelineResources): Record<string, string> {
  return {
    STATE_TABLE_NAME: resources.stateTable,
    REDUCE_TABLE_NAME: resources.reduceTable,
    AGGREGATE_TABLE_NAME: resources.aggregateTable,
    PARAMETER_TABLE_NAME: resources.parameterTable,
  };
}
