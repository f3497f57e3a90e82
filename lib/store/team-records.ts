/**
 * Making team records: the slug schema, and the initial record of a local, an AWS or a remote team. Used by the
 * supervisor (the default teams) and the organiser's API (teams added during the event).
 */
import { z } from 'zod';
import { isTeamSlug, TEAM_SLUG_RULE } from '../domain/team-slug';
import { DEFAULT_RESOURCES, localResources, type PipelineResources } from '../pipeline-resources';
import type { LocalPipeline, Team } from './types';

/** A team slug, checked against the one slug rule (lib/domain/team-slug.ts). */
export const teamSlugSchema = z.string().refine(isTeamSlug, `slug must be ${TEAM_SLUG_RULE}`);

/** The teams a fresh local workshop starts with. */
export const DEFAULT_LOCAL_TEAMS: ReadonlyArray<{ slug: string; name: string; pipeline: LocalPipeline }> = [
  { slug: 'reference', name: 'Reference solution', pipeline: 'solution' },
  { slug: 'my-team', name: 'My team', pipeline: 'handlers' },
];

function baseRecord(slug: string, name: string, now: string) {
  return {
    slug,
    name,
    active: true,
    lab: 1 as const,
    labOverride: null,
    failurePercentages: null,
    score: 0,
    scoreReachedAt: now,
    createdAt: now,
  };
}

/** A local team: its endpoints are filled in by the supervisor once its resources run. */
export function newLocalTeam(slug: string, name: string, pipeline: LocalPipeline, region: string): Team {
  const now = new Date().toISOString();
  return {
    ...baseRecord(slug, name, now),
    kind: 'local',
    connection: { region },
    resources: localResources(slug),
    local: { pipeline, status: 'starting' },
  };
}

export interface AwsTeamSettings {
  slug: string;
  name: string;
  region: string;
  roleArn: string;
  externalId?: string;
  resources?: Partial<PipelineResources>;
}

/** A team whose pipeline runs in an AWS account, reached by assuming a role. */
export function newAwsTeam(settings: AwsTeamSettings): Team {
  const now = new Date().toISOString();
  return {
    ...baseRecord(settings.slug, settings.name, now),
    kind: 'aws',
    connection: { region: settings.region, roleArn: settings.roleArn, externalId: settings.externalId },
    resources: { ...DEFAULT_RESOURCES, ...settings.resources },
  };
}

/**
 * A team whose pipeline runs on its own laptop, joined to the game by its agent (docs/room.md). Its
 * resources carry the default names, as the participant's stack creates them.
 */
export function newRemoteTeam(slug: string, name: string, region: string): Team {
  const now = new Date().toISOString();
  return {
    ...baseRecord(slug, name, now),
    kind: 'remote',
    connection: { region },
    resources: { ...DEFAULT_RESOURCES },
    remote: { lastSeenAt: null, seenUntil: null, agent: null },
  };
}
