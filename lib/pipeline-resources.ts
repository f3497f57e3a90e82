/**
 * The resources of one team's pipeline (docs/game.md): their names, the tables' keys and stream view
 * types, and the environment variables through which handlers learn the table names. Shared by the
 * local stack (which creates them in DynamoDB Local and the Kinesis emulator), the AWS deployment
 * (which declares them in CloudFormation), the organiser's API and console (a team's resources).
 */

export type StreamViewType = 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES';

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

/** The fields of PipelineResources, the stream's first (the order forms show them in). */
export const RESOURCE_FIELDS = Object.keys(DEFAULT_RESOURCES) as ReadonlyArray<keyof PipelineResources>;

export interface TableSpec {
  /** Logical role of the table in the pipeline. */
  role: 'state' | 'reduce' | 'aggregate' | 'parameter';
  /** Where PipelineResources names it (its default name: DEFAULT_RESOURCES[field]). */
  field: Exclude<keyof PipelineResources, 'streamName'>;
  /** The environment variable that gives handlers its name (the same on AWS Lambda). */
  environment: string;
  hashKey: string;
  stream: StreamViewType | null;
}

export const TABLE_SPECS: readonly TableSpec[] = [
  { role: 'state', field: 'stateTable', environment: 'STATE_TABLE_NAME', hashKey: 'id', stream: 'NEW_AND_OLD_IMAGES' },
  { role: 'reduce', field: 'reduceTable', environment: 'REDUCE_TABLE_NAME', hashKey: 'MessageId', stream: 'NEW_IMAGE' },
  { role: 'aggregate', field: 'aggregateTable', environment: 'AGGREGATE_TABLE_NAME', hashKey: 'Identifier', stream: null },
  { role: 'parameter', field: 'parameterTable', environment: 'PARAMETER_TABLE_NAME', hashKey: 'parameter', stream: null },
];

/** The resource names of a local team: standard table names, a stream name prefixed with the slug. */
export function localResources(slug: string): PipelineResources {
  return { ...DEFAULT_RESOURCES, streamName: `${slug}-${DEFAULT_RESOURCES.streamName}` };
}

/** The spec of a table role. */
export function tableSpec(role: TableSpec['role']): TableSpec {
  const spec = TABLE_SPECS.find((candidate) => candidate.role === role);
  if (!spec) throw new Error(`no table has the role ${role}`);
  return spec;
}

/** The table name of a role within a team's resources. */
export function tableName(resources: PipelineResources, role: TableSpec['role']): string {
  return resources[tableSpec(role).field];
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
  return Object.fromEntries(TABLE_SPECS.map((spec) => [spec.environment, resources[spec.field]]));
}
