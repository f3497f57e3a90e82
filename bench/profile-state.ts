/**
 * Where State's time goes, without the runtime around it: the reference State handler called
 * in this process with Kinesis events of 100 records (4 shards at once, as the runtime delivers
 * them) against its own DynamoDB Local; prints wall time and CPU per record of the handler's process
 * and of DynamoDB Local. Run it under the CPU profiler to see the functions:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/state-profile --import tsx bench/profile-state.ts
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import { Command } from 'commander';
import { makeRound, type StreamRecord } from '@/generator/messages';
import { wholeNumber } from '@/lib/cli-options';
import { errorMessage } from '@/lib/errors';
import { LOCAL_REGION, startDynamoDbLocal } from '@/lib/local/emulators';
import { freePort } from '@/lib/local/ports';
import { cpuTimeMs } from '@/lib/local/process-tree';
import { stopAllProcesses } from '@/lib/local/processes';
import { createTables } from '@/lib/local/team-resources';
import { localResources, tableEnvironment } from '@/lib/pipeline-resources';

const SHARDS = 4;
const BATCH_SIZE = 100;

const options = new Command()
  .name('profile-state')
  .description('Drives the reference State handler in this process and reports CPU per record (run under node --cpu-prof for a profile)')
  .option('--messages <n>', 'records per run', wholeNumber(), 10_000)
  .option('--runs <n>', 'runs (the first one warms up the JVM)', wholeNumber(), 3)
  .parse()
  .opts<{ messages: number; runs: number }>();

/** A Kinesis event as the runtime builds it for State. */
function kinesisEvent(records: readonly StreamRecord[], firstSequence: number): KinesisStreamEvent {
  return {
    Records: records.map((record, index) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: record.PartitionKey,
        sequenceNumber: String(firstSequence + index),
        data: Buffer.from(record.Data).toString('base64'),
        approximateArrivalTimestamp: Date.now() / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${firstSequence + index}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/profile-state',
      awsRegion: LOCAL_REGION,
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/profile-state',
    })),
  };
}

async function main(): Promise<void> {
  const dynamodb = await startDynamoDbLocal('dynamodb-profile-state', { port: await freePort() });
  try {
    const resources = localResources('profile-state');
    await createTables({ region: LOCAL_REGION, dynamodbEndpoint: dynamodb.endpoint }, resources);
    Object.assign(process.env, tableEnvironment(resources), {
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: LOCAL_REGION,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    const { handler } = await import('@/pipeline/solution/state');
    const log = console.log;
    console.log = () => undefined;
    for (let run = 1; run <= options.runs; run++) {
      const round = makeRound({ seed: run, lab: 1, messages: options.messages });
      const shards = Array.from({ length: SHARDS }, (_, shard) => round.records.filter((_, index) => index % SHARDS === shard));
      const cpuBefore = process.cpuUsage();
      const dynamodbBefore = cpuTimeMs(dynamodb.process.pid!) ?? 0;
      const started = performance.now();
      await Promise.all(
        shards.map(async (records) => {
          for (let start = 0; start < records.length; start += BATCH_SIZE)
            await handler(kinesisEvent(records.slice(start, start + BATCH_SIZE), start), {} as never);
        }),
      );
      const wallMs = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      const handlerMs = (cpu.user + cpu.system) / 1000;
      const dynamodbMs = (cpuTimeMs(dynamodb.process.pid!) ?? 0) - dynamodbBefore;
      log(
        `run ${run}: ${options.messages} records in ${Math.round(wallMs)} ms; CPU per record: handler process ${(handlerMs / options.messages).toFixed(2)} ms, DynamoDB Local ${(dynamodbMs / options.messages).toFixed(2)} ms`,
      );
    }
  } finally {
    await stopAllProcesses();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`profile-state failed: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
