/**
 * One trigger (event source mapping): finds its stream and shards, runs a reader per shard (parents
 * before children), starts shards at the trigger's starting position, and starts over if the stream
 * is recreated.
 */
import { errorMessage } from '@/lib/errors';
import type { PipelineResources } from '@/lib/pipeline-resources';
import type { FunctionRuntime, TeamContext } from '../execution/function-runtime';
import { LOCAL_ACCOUNT_ID } from '../execution/function-runtime';
import type { NewLogEntry } from '../logs/log-buffer';
import { sourceStreamName, type TriggerConfig } from '../wiring';
import { pause, ShardReader, type ShardStatus } from './shard-reader';
import { DynamoDbStreamSource, KinesisSource, type ShardInfo, type ShardPosition, StreamNotFoundError, type StreamSource } from './stream-sources';

/** How often shards are listed again (new child shards, a recreated stream). */
const DISCOVERY_INTERVAL_MS = 5_000;
const MISSING_STREAM_INTERVAL_MS = 1_000;

export interface TriggerStatus extends TriggerConfig {
  state: 'starting' | 'running' | 'stream-not-found';
  message?: string;
  eventSourceArn?: string;
  shards: Array<ShardStatus | { shardId: string; state: 'finished' | 'waiting-for-parent' }>;
}

export class TriggerRuntime {
  private state: TriggerStatus['state'] = 'starting';
  private message?: string;
  private arn?: string;
  private identity?: string;
  private readonly source: StreamSource;
  private readonly readers = new Map<string, ShardReader>();
  private readonly finished = new Set<string>();
  private waitingForParent: string[] = [];
  /** Shards that existed when the trigger (or its stream) was first seen take the starting position. */
  private initialShards?: Set<string>;
  private readonly controller = new AbortController();
  /** Settles after the first look at the stream, once its readers are positioned. */
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private wake?: () => void;
  /** Someone asked for a look at the stream while the loop was busy: look again at once. */
  private lookAgain = false;
  private readonly loop: Promise<void>;

  constructor(
    private config: TriggerConfig,
    private readonly fn: FunctionRuntime,
    team: TeamContext,
    resources: PipelineResources,
  ) {
    const stream = sourceStreamName(config.source, resources);
    const options = {
      connection: team.connection,
      name: stream.name,
      invokeIdentityArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${fn.functionName}-role`,
    };
    this.source = stream.kind === 'kinesis' ? new KinesisSource(options) : new DynamoDbStreamSource(options);
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.loop = this.run().finally(() => this.markReady());
  }

  /** New settings for the same (source, function): batch size, window, retries apply to the next batch. */
  update(config: TriggerConfig): void {
    this.config = config;
  }

  get settings(): TriggerConfig {
    return this.config;
  }

  private log(entry: Omit<NewLogEntry, 'function'>): void {
    this.fn.log(entry);
  }

  private async run(): Promise<void> {
    const signal = this.controller.signal;
    while (!signal.aborted) {
      this.lookAgain = false;
      try {
        const info = await this.source.describe();
        if (signal.aborted) break;
        if (this.identity && info.identity !== this.identity) {
          this.log({
            kind: 'system',
            level: 'warn',
            message: `the ${this.source.label} was recreated; its trigger starts again at ${this.config.startingPosition}`,
          });
          await this.stopReaders();
          this.finished.clear();
          this.initialShards = undefined;
        }
        if (this.state === 'stream-not-found') this.log({ kind: 'system', level: 'info', message: `found the ${this.source.label}` });
        this.identity = info.identity;
        this.arn = info.arn;
        this.schedule(info.shards);
        this.state = 'running';
        this.message = undefined;
        void Promise.all([...this.readers.values()].map((reader) => reader.positioned)).then(() => this.markReady());
      } catch (error) {
        const message = errorMessage(error);
        if (error instanceof StreamNotFoundError) {
          if (this.state !== 'stream-not-found') {
            this.log({ kind: 'system', level: 'error', message: `${message}: the trigger from ${this.config.source} waits for it` });
          }
          this.state = 'stream-not-found';
        } else if (message !== this.message) {
          this.log({ kind: 'system', level: 'warn', message: `cannot list the shards of the ${this.source.label} (retrying): ${message}` });
        }
        this.message = message;
        this.markReady();
      }
      await this.pause(this.state === 'running' ? DISCOVERY_INTERVAL_MS : MISSING_STREAM_INTERVAL_MS);
    }
  }

  /** Starts readers for shards whose parents are done; records the ones that must wait. */
  private schedule(shards: ShardInfo[]): void {
    const listed = new Set(shards.map((shard) => shard.shardId));
    const atCreation = !this.initialShards;
    this.initialShards ??= listed;
    for (const reader of this.readers.values()) {
      if (reader.state === 'finished') {
        this.finished.add(reader.shardId);
        this.readers.delete(reader.shardId);
      }
    }
    this.waitingForParent = [];
    for (const shard of shards) {
      if (this.readers.has(shard.shardId) || this.finished.has(shard.shardId)) continue;
      if (atCreation && shard.closed && this.config.startingPosition === 'LATEST') {
        this.finished.add(shard.shardId);
        continue;
      }
      if (!shard.parentShardIds.every((parent) => this.finished.has(parent) || !listed.has(parent))) {
        this.waitingForParent.push(shard.shardId);
        continue;
      }
      const start: ShardPosition =
        this.initialShards.has(shard.shardId) && this.config.startingPosition === 'LATEST' ? { kind: 'latest' } : { kind: 'trim-horizon' };
      const reader = new ShardReader({
        shardId: shard.shardId,
        source: this.source,
        fn: this.fn,
        settings: () => this.config,
        start,
        log: (entry) => this.log(entry),
        onStreamGone: () => this.requestDiscovery(),
        verifyStream: () => this.verifyStream(),
      });
      this.readers.set(shard.shardId, reader);
      void reader.done.then(() => {
        if (reader.state === 'finished') this.requestDiscovery();
      });
    }
  }

  /** False only when the stream is certainly another one now; the discovery loop then starts over. */
  private async verifyStream(): Promise<boolean> {
    try {
      if ((await this.source.identity()) === this.identity) return true;
    } catch {
      return true;
    }
    this.requestDiscovery();
    return false;
  }

  private requestDiscovery(): void {
    this.lookAgain = true;
    this.wake?.();
  }

  private pause(ms: number): Promise<void> {
    if (this.lookAgain) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
      void pause(ms, this.controller.signal).then(resolve);
    });
  }

  private async stopReaders(): Promise<void> {
    const readers = [...this.readers.values()];
    this.readers.clear();
    this.waitingForParent = [];
    await Promise.all(readers.map((reader) => reader.stop()));
  }

  status(): TriggerStatus {
    return {
      ...this.config,
      state: this.state,
      message: this.message,
      eventSourceArn: this.arn,
      shards: [
        ...[...this.finished].map((shardId) => ({ shardId, state: 'finished' as const })),
        ...[...this.readers.values()].map((reader) => reader.status()),
        ...this.waitingForParent.map((shardId) => ({ shardId, state: 'waiting-for-parent' as const })),
      ],
    };
  }

  async stop(): Promise<void> {
    this.controller.abort();
    this.wake?.();
    await this.loop;
    await this.stopReaders();
  }
}
