/**
 * The Kinesis emulator (kinesalite) as a process that listens on 127.0.0.1 only: its command line has
 * no host option, so this creates its server with the options emulators.ts used to pass on that
 * command line and listens on loopback.
 * `node --import tsx lib/local/kinesalite-server.ts --port <port> [--path <directory>]`
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { parsePort } from './ports';

interface KinesaliteOptions {
  /** LevelDB directory for the records; in memory without it. */
  path?: string;
  createStreamMs: number;
  deleteStreamMs: number;
  updateStreamMs: number;
  shardLimit: number;
}

const createKinesalite = createRequire(import.meta.url)('kinesalite') as (options: KinesaliteOptions) => Server;

const options = new Command()
  .name('kinesalite-server')
  .description('kinesalite listening on 127.0.0.1')
  .requiredOption('--port <port>', 'port to listen on', parsePort)
  .option('--path <directory>', 'keep the records on disk in this directory (in memory without it)')
  .parse()
  .opts<{ port: number; path?: string }>();

// Streams are ACTIVE (or gone) at once, and a team's stream may have many shards.
const server = createKinesalite({ path: options.path, createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 1000 });
server.on('error', (error) => {
  process.stderr.write(`kinesalite cannot listen on 127.0.0.1:${options.port}: ${error.message}\n`);
  process.exit(1);
});
server.listen(options.port, '127.0.0.1', () => process.stdout.write(`kinesalite listening on http://127.0.0.1:${options.port}\n`));
