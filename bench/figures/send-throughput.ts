/**
 * Figure 2: how fast a 10,000-message round goes into kinesalite with this project's sender
 * (PutRecords of up to 500 records, one lane per shard, lanes concurrent) against the workshop's
 * original (250 sequential PutRecords calls of 40 records), alternating in one run.
 */
import path from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { makeRound, type StreamRecord } from '@/generator/messages';
import { sendRecords } from '@/generator/sender';
import { type Connection, kinesisClient } from '@/lib/aws/clients';
import { LOCAL_REGION, startKinesisEmulator } from '@/lib/local/emulators';
import { freePort } from '@/lib/local/ports';
import { recreateStream } from '@/lib/local/team-resources';
import { checkInterrupted, type FigureContext, type FigureOutput, type TableRow } from '../figure';
import { CpuMeter, type CpuUse } from '../proc';
import { grouped, median, ratio, rounded } from '../stats';

export interface SendThroughputInputs {
  messages: number;
  /** Sends per strategy, alternating. */
  repetitions: number;
  shardCount: number;
  /** The original workshop's batch size. */
  originalBatchSize: number;
}

export interface SendSample {
  strategy: Strategy;
  durationMs: number;
  recordsPerSecond: number;
  calls: number;
  /** Records the stream did not accept (the original strategy does not retry them). */
  failedRecords: number;
  cpu: CpuUse;
}

export interface SendThroughputResults {
  samples: SendSample[];
  projectRecordsPerSecond: number | null;
  originalRecordsPerSecond: number | null;
  /** project ÷ original. */
  speedup: number | null;
  /** CPU ms per 1,000 records, per process, median over the samples of each strategy. */
  cpuMsPerThousandRecords: Record<Strategy, Record<string, number>>;
}

type Strategy = 'project' | 'original';

/** The workshop's original sender: fixed batches, one call after the other, no retries. */
async function sendOriginal(
  connection: Connection,
  streamName: string,
  records: readonly StreamRecord[],
  batchSize: number,
): Promise<{ calls: number; failedRecords: number }> {
  const client = kinesisClient(connection);
  let failedRecords = 0;
  let calls = 0;
  for (let start = 0; start < records.length; start += batchSize) {
    const batch = records.slice(start, start + batchSize).map((record) => ({ Data: Buffer.from(record.Data), PartitionKey: record.PartitionKey }));
    const answer = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: batch }));
    failedRecords += answer.FailedRecordCount ?? 0;
    calls++;
  }
  return { calls, failedRecords };
}

export async function sendThroughputFigure(inputs: SendThroughputInputs, context: FigureContext): Promise<FigureOutput<SendThroughputResults>> {
  const kinesis = await startKinesisEmulator('kinesis-send', { port: await freePort(), logFile: path.join(context.workDirectory, 'kinesis-send.log') });
  const connection: Connection = { region: LOCAL_REGION, kinesisEndpoint: kinesis.endpoint };
  const watched = [
    { name: 'generator (bench)', pid: process.pid },
    { name: 'kinesalite', pid: kinesis.process.pid! },
  ];
  const samples: SendSample[] = [];
  try {
    const streamName = 'BenchSendStream';
    await recreateStream(connection, streamName, inputs.shardCount);
    const warmUp = makeRound({ seed: 1, lab: 1, messages: Math.min(1000, inputs.messages) });
    await sendRecords(connection, streamName, warmUp.records);
    for (let repetition = 0; repetition < inputs.repetitions; repetition++) {
      const order: Strategy[] = repetition % 2 === 0 ? ['project', 'original'] : ['original', 'project'];
      for (const strategy of order) {
        checkInterrupted(context.signal);
        const round = makeRound({ seed: 2000 + samples.length, lab: 1, messages: inputs.messages });
        const meter = new CpuMeter(watched);
        const started = performance.now();
        const sent =
          strategy === 'project'
            ? await sendRecords(connection, streamName, round.records).then((report) => ({ calls: report.calls, failedRecords: 0 }))
            : await sendOriginal(connection, streamName, round.records, inputs.originalBatchSize);
        const durationMs = performance.now() - started;
        const cpu = meter.read();
        samples.push({
          strategy,
          durationMs: Math.round(durationMs),
          recordsPerSecond: Math.round(inputs.messages / (durationMs / 1000)),
          calls: sent.calls,
          failedRecords: sent.failedRecords,
          cpu,
        });
        context.log(`  ${strategy}: ${grouped(inputs.messages)} records in ${Math.round(durationMs)} ms (${sent.calls} calls)`);
      }
    }
  } finally {
    await kinesis.process.stop();
  }
  const rateOf = (strategy: Strategy) => median(samples.filter((sample) => sample.strategy === strategy).map((sample) => sample.recordsPerSecond));
  const cpuOf = (strategy: Strategy) => {
    const mine = samples.filter((sample) => sample.strategy === strategy);
    return Object.fromEntries(
      watched.map(({ name }) => [name, rounded(median(mine.map((sample) => ((sample.cpu.perProcess[name] ?? 0) / inputs.messages) * 1000)) ?? 0, 1)]),
    );
  };
  const results: SendThroughputResults = {
    samples,
    projectRecordsPerSecond: rateOf('project'),
    originalRecordsPerSecond: rateOf('original'),
    speedup: null,
    cpuMsPerThousandRecords: { project: cpuOf('project'), original: cpuOf('original') },
  };
  const speedup = ratio(results.projectRecordsPerSecond, results.originalRecordsPerSecond);
  results.speedup = speedup === null ? null : rounded(speedup, 2);
  return { results, rows: sendThroughputRows(results, inputs) };
}

function cpuText(cpu: Record<string, number>): string {
  return Object.entries(cpu)
    .map(([name, ms]) => `${name} ${ms} ms`)
    .join(', ');
}

export function sendThroughputRows(results: SendThroughputResults, inputs: SendThroughputInputs): TableRow[] {
  const failed = results.samples.filter((sample) => sample.strategy === 'original').reduce((sum, sample) => sum + sample.failedRecords, 0);
  return [
    {
      measure: `this project's sender (≤500 per call, ${inputs.shardCount} shard lanes)`,
      result: `${grouped(results.projectRecordsPerSecond)} records/s`,
      note: `median of ${inputs.repetitions}; CPU per 1,000 records: ${cpuText(results.cpuMsPerThousandRecords.project)}`,
    },
    {
      measure: `workshop's original (${Math.ceil(inputs.messages / inputs.originalBatchSize)} sequential calls of ${inputs.originalBatchSize})`,
      result: `${grouped(results.originalRecordsPerSecond)} records/s`,
      note: `median of ${inputs.repetitions}; CPU per 1,000 records: ${cpuText(results.cpuMsPerThousandRecords.original)}${failed ? `; ${failed} records refused and not retried` : ''}`,
    },
    {
      measure: 'ratio (project ÷ original)',
      result: results.speedup === null ? '—' : `${results.speedup.toFixed(2)}×`,
      note: 'measured alternately in the same run',
    },
  ];
}
