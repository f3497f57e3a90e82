/**
 * The pipeline's table names, read from the environment the way AWS Lambda and the local runtime
 * provide them, defaulting to the names of docs/game.md ("The pipeline and its handed-out
 * defects").
 */
import { DEFAULT_RESOURCES } from '../../lib/pipeline-resources';

export interface PipelineTables {
  state: string;
  reduce: string;
  aggregate: string;
  parameter: string;
}

/** Table names from STATE_TABLE_NAME, REDUCE_TABLE_NAME, AGGREGATE_TABLE_NAME and PARAMETER_TABLE_NAME. */
export function pipelineTables(env: Readonly<Record<string, string | undefined>> = process.env): PipelineTables {
  return {
    state: env.STATE_TABLE_NAME || DEFAULT_RESOURCES.stateTable,
    reduce: env.REDUCE_TABLE_NAME || DEFAULT_RESOURCES.reduceTable,
    aggregate: env.AGGREGATE_TABLE_NAME || DEFAULT_RESOURCES.aggregateTable,
    parameter: env.PARAMETER_TABLE_NAME || DEFAULT_RESOURCES.parameterTable,
  };
}
