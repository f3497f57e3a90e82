/**
 * One local team's pipeline resources: its own DynamoDB Local process with the four tables created
 * at start, and its stream in the shared Kinesis emulator. Reset = stop and start again.
 */
import type { Connection } from '../aws/clients';
import { localResources, type PipelineResources } from '../pipeline-resources';
import { type Emulator, LOCAL_REGION, startDynamoDbLocal } from './emulators';
import { createTables, deleteStream, recreateStream } from './team-resources';

export interface LocalTeamStack {
  slug: string;
  connection: Connection;
  resources: PipelineResources;
  dynamodb: Emulator;
  /** Stops the team's DynamoDB Local and deletes its stream. */
  stop(): Promise<void>;
}

export interface LocalTeamOptions {
  slug: string;
  /** Port for the team's DynamoDB Local. */
  port: number;
  kinesisEndpoint: string;
  shardCount: number;
  logFile?: string;
  /**
   * Keep the team's tables on disk in this directory (emptied at every start) rather than in
   * memory, so its DynamoDB Local does not grow with every message over an event.
   */
  scratchDirectory?: string;
  /** The names of its stream and tables; by default the local ones (lib/pipeline-resources.ts, localResources). */
  resources?: PipelineResources;
}

export async function startLocalTeam(options: LocalTeamOptions): Promise<LocalTeamStack> {
  const resources = options.resources ?? localResources(options.slug);
  const dynamodb = await startDynamoDbLocal(`dynamodb-${options.slug}`, {
    port: options.port,
    logFile: options.logFile,
    scratchDirectory: options.scratchDirectory,
  });
  const connection: Connection = { region: LOCAL_REGION, dynamodbEndpoint: dynamodb.endpoint, kinesisEndpoint: options.kinesisEndpoint };
  try {
    await createTables(connection, resources);
    await recreateStream(connection, resources.streamName, options.shardCount);
  } catch (error) {
    await dynamodb.process.stop();
    throw error;
  }
  return {
    slug: options.slug,
    connection,
    resources,
    dynamodb,
    async stop() {
      await Promise.all([dynamodb.process.stop(), deleteStream(connection, resources.streamName).catch(() => undefined)]);
    },
  };
}
