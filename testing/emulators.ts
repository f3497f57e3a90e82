/**
 * The emulators tests run against, on ports the operating system hands out: kinesalite, a DynamoDB
 * Local, and a local team (its own DynamoDB Local with the four tables, its stream in a shared
 * kinesalite). A port is free when the OS gives it, but another process may take it before the
 * emulator binds it: a start that fails on a taken port is tried again on a new one.
 */

import { errorMessage } from '@/lib/errors';
import { type Emulator, startDynamoDbLocal, startKinesisEmulator } from '@/lib/local/emulators';
import { freePort } from '@/lib/local/ports';
import { type LocalTeamStack, startLocalTeam } from '@/lib/local/team-stack';
import type { PipelineResources } from '@/lib/pipeline-resources';

export type { Emulator } from '@/lib/local/emulators';
export type { LocalTeamStack } from '@/lib/local/team-stack';

const PORT_ATTEMPTS = 3;
const PORT_TAKEN = /EADDRINUSE|address already in use/i;

/** Runs `start` on a port from the OS, again on a new port when the first was taken in between. */
export async function onFreePort<T>(start: (port: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (attempt >= PORT_ATTEMPTS || !PORT_TAKEN.test(errorMessage(error))) throw error;
    }
  }
}

/** kinesalite on a free port. */
export function startKinesis(name = 'kinesis-test'): Promise<Emulator> {
  return onFreePort((port) => startKinesisEmulator(name, { port }));
}

/** A DynamoDB Local (in memory) on a free port, e.g. for organiser stores. */
export function startDynamoDb(name = 'dynamodb-test', maxHeap = '256m'): Promise<Emulator> {
  return onFreePort((port) => startDynamoDbLocal(name, { port, maxHeap }));
}

/**
 * A local team as `npm start` makes one: its own DynamoDB Local with fresh tables, and its stream
 * (named as a local team's unless `resources` names them, e.g. as a deployed stack does).
 */
export function startTeam(slug: string, kinesisEndpoint: string, shardCount = 2, resources?: PipelineResources): Promise<LocalTeamStack> {
  return onFreePort((port) => startLocalTeam({ slug, port, kinesisEndpoint, shardCount, resources }));
}
