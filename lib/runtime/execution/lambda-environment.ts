/**
 * The environment variables a handler sees, built from an allow-list as Lambda builds them: the
 * `AWS_*` Lambda variables, the local endpoints and dummy credentials, the team's table names, `TZ`,
 * `LANG`, a minimal `PATH`, and what the wiring file declares for the function. Nothing of the
 * host's environment (the organiser's credentials, secrets, paths) ever reaches a handler.
 */
import path from 'node:path';
import { type Connection, LOCAL_CREDENTIALS } from '@/lib/aws/clients';
import { DEFAULT_RESOURCES, type PipelineResources, tableEnvironment } from '@/lib/pipeline-resources';

/** Variables Lambda reserves: a function's configuration cannot set them. */
export const LAMBDA_RESERVED_VARIABLES: readonly string[] = [
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
  'TZ',
];

/** Why a wiring file may not declare a variable (undefined: it may). */
export function reservedVariableProblem(name: string): string | undefined {
  if (LAMBDA_RESERVED_VARIABLES.includes(name)) return `${name} is reserved by Lambda`;
  if (name === 'AWS_ENDPOINT_URL' || name.startsWith('AWS_ENDPOINT_URL_'))
    return `${name} is set by the workshop (it points the AWS SDK at the team's emulators)`;
  if (name in tableEnvironment(DEFAULT_RESOURCES)) return `${name} is set by the workshop (the team's table names)`;
  return undefined;
}

/** Where Lambda's Node.js runtime looks for programs, minus its own folders. */
const LAMBDA_PATH = '/usr/local/bin:/usr/bin:/bin';

export interface HandlerEnvironmentInput {
  functionName: string;
  /** The handler file, relative to the code directory (e.g. "state.ts"). */
  handler: string;
  codeDirectory: string;
  memorySizeMb: number;
  connection: Connection;
  resources: PipelineResources;
  /** Variables the runtime's caller adds for the team (e.g. FAILURE_INJECTION_SEED in tests). */
  team?: Record<string, string>;
  /** Variables the wiring file declares for the function. */
  declared?: Record<string, string>;
}

/** A handler's whole environment (AWS_LAMBDA_LOG_STREAM_NAME is added per execution environment). */
export function handlerEnvironment(input: HandlerEnvironmentInput): Record<string, string> {
  const { connection, functionName } = input;
  const local = connection.dynamodbEndpoint
    ? {
        AWS_ENDPOINT_URL: connection.dynamodbEndpoint,
        AWS_ENDPOINT_URL_DYNAMODB: connection.dynamodbEndpoint,
        ...(connection.kinesisEndpoint && { AWS_ENDPOINT_URL_KINESIS: connection.kinesisEndpoint }),
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      }
    : {};
  return {
    PATH: LAMBDA_PATH,
    LANG: 'en_US.UTF-8',
    ...input.team,
    ...input.declared,
    TZ: ':UTC',
    _HANDLER: `${path.basename(input.handler).replace(/\.[^.]+$/, '')}.handler`,
    LAMBDA_TASK_ROOT: input.codeDirectory,
    AWS_REGION: connection.region,
    AWS_DEFAULT_REGION: connection.region,
    ...local,
    // Not Lambda's: keeps the AWS SDK from warning about Node.js 20 in every execution environment.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${process.versions.node.split('.')[0]}.x`,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(input.memorySizeMb),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    ...tableEnvironment(input.resources),
  };
}
