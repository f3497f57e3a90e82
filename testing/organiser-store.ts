/**
 * Organiser stores for tests: a fresh table of its own in a DynamoDB Local (so tests sharing one
 * emulator never see each other's teams, rounds or lease), as a fixture too, and the store record of
 * a local team whose resources already run.
 */
import { randomUUID } from 'node:crypto';
import { type Emulator, LOCAL_REGION } from '@/lib/local/emulators';
import type { LocalTeamStack } from '@/lib/local/team-stack';
import { OrganiserStore, type SettingsDefaults } from '@/lib/store/organiser-store';
import { newLocalTeam } from '@/lib/store/team-records';
import type { LocalPipeline, Team } from '@/lib/store/types';
import { fixture } from './fixtures';

/** Round settings of a fresh store unless a test says otherwise: no timed round within a test's life. */
export const TEST_ROUND_DEFAULTS: SettingsDefaults = { roundIntervalSeconds: 3600, roundMessages: 500, roundDeadlineSeconds: 60 };

/** A store over a new table (named after `label`, made unique) in `emulator`. */
export async function freshOrganiserStore(emulator: Emulator, label = 'Organiser', defaults: Partial<SettingsDefaults> = {}): Promise<OrganiserStore> {
  const tableName = `${label}-${randomUUID().slice(0, 8)}`;
  const store = new OrganiserStore({ region: LOCAL_REGION, dynamodbEndpoint: emulator.endpoint }, tableName, { ...TEST_ROUND_DEFAULTS, ...defaults });
  await store.ensureTable();
  return store;
}

/** A fresh store in `emulator()`, made before the tests (then `prepare`d, e.g. with teams); it goes with its emulator. */
export function organiserStoreFixture(
  emulator: () => Emulator,
  prepare: (store: OrganiserStore) => Promise<unknown> = async () => undefined,
): () => OrganiserStore {
  return fixture(
    'the organiser store',
    async () => {
      const store = await freshOrganiserStore(emulator());
      await prepare(store);
      return store;
    },
    async () => undefined,
  );
}

/**
 * The store record of a local team whose DynamoDB Local and stream are running (status ready). A
 * store may name it by another slug than the stack's. Round seeds come from each store's own secret,
 * so one pipeline serving several stores (each counting rounds from 1) gets fresh trades.
 */
export function readyLocalTeam(
  stack: Pick<LocalTeamStack, 'slug' | 'connection' | 'resources'>,
  options: { slug?: string; name?: string; pipeline?: LocalPipeline } = {},
): Team {
  const slug = options.slug ?? stack.slug;
  const pipeline = options.pipeline ?? 'solution';
  const team = newLocalTeam(slug, options.name ?? slug, pipeline, LOCAL_REGION);
  return { ...team, connection: stack.connection, resources: stack.resources, local: { pipeline, status: 'ready' } };
}
