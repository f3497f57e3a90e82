/**
 * Team records (partition `TEAM`, one record per slug): who plays, in which lab, with what score,
 * and where its pipeline runs. Scores change only with a round's verdict (rounds.ts awards them in
 * the transaction that closes the round, through `scoreAwardPart`); the organiser changes the rest.
 */

import type { Connection } from '../aws/clients';
import { TeamExistsError, TeamNotFoundError } from '../errors';
import { type Condition, isConditionFailure, itemAbsent, itemExists, type StoreTable, type TransactionPart } from './table';
import type { Lab, LocalStatus, Team } from './types';

const TEAM_PK = 'TEAM';
/** A team record's key (also for ./agent-records.ts, which writes the agent's part of it). */
export const teamKey = (slug: string) => ({ pk: TEAM_PK, sk: slug });

/** Points a passing round earns, and the score at which a team moves to Lab 2. */
export const POINTS_PER_ROUND = 100;
export const LAB_2_SCORE = 300;

/** The lab a team plays after its score changed, unless the organiser overrides it. */
export function labForScore(team: Pick<Team, 'lab' | 'labOverride'>, score: number): Lab {
  if (team.labOverride) return team.labOverride;
  return score >= LAB_2_SCORE ? 2 : team.lab;
}

/** The team's record exists (it was not deleted meanwhile). */
export const teamExists: Condition = itemExists;
/** No team has this slug yet. */
export const slugFree: Condition = itemAbsent;

/** What the organiser may change on a team (not its score, which only rounds change, nor its local state). */
export type TeamChanges = Partial<Omit<Team, 'slug' | 'score' | 'scoreReachedAt' | 'local'>>;

/** What the supervisor records about a local team's resources. */
export interface LocalStateChange {
  status: LocalStatus;
  message?: string;
  resetDoneAt?: string;
}

export class TeamRecords {
  constructor(private readonly table: StoreTable) {}

  async list(): Promise<Team[]> {
    return this.table.query<Team>(TEAM_PK);
  }

  async get(slug: string): Promise<Team | null> {
    return this.table.get<Team>(teamKey(slug));
  }

  /** Adds a team; throws TeamExistsError when the slug is taken. */
  async create(team: Team): Promise<void> {
    try {
      await this.table.put(teamKey(team.slug), team, slugFree);
    } catch (error) {
      if (isConditionFailure(error)) throw new TeamExistsError(`a team with slug "${team.slug}" already exists`);
      throw error;
    }
  }

  /** Changes attributes (paths such as `local.status`) of an existing team; throws TeamNotFoundError otherwise. */
  private async change(slug: string, set: Record<string, unknown>): Promise<Team> {
    try {
      return await this.table.update<Team>(teamKey(slug), { set }, teamExists);
    } catch (error) {
      if (isConditionFailure(error)) throw new TeamNotFoundError(`no team with slug "${slug}"`);
      throw error;
    }
  }

  async update(slug: string, changes: TeamChanges): Promise<Team> {
    return this.change(slug, changes);
  }

  /** Records the state of a local team's resources (written by the supervisor), and its endpoints when given. */
  async setLocalState(slug: string, state: LocalStateChange, connection?: Connection): Promise<Team> {
    const local = Object.fromEntries(Object.entries(state).map(([name, value]) => [`local.${name}`, value]));
    return this.change(slug, { ...(connection ? { connection } : {}), ...local });
  }

  /** Asks the supervisor to reset a local team (fresh tables and stream). */
  async requestReset(slug: string): Promise<Team> {
    return this.change(slug, { 'local.resetRequestedAt': new Date().toISOString() });
  }

  /** Removes the team's record; false when there was none. */
  async delete(slug: string): Promise<boolean> {
    return this.table.delete(teamKey(slug));
  }

  /** The transaction part adding a passing round's points to the team (and moving it to Lab 2 when it got there). */
  scoreAwardPart(slug: string, team: Pick<Team, 'lab' | 'labOverride' | 'score'>, points: number, at: string): TransactionPart {
    return this.table.updatePart(
      teamKey(slug),
      { add: { score: points }, set: { scoreReachedAt: at, lab: labForScore(team, team.score + points) } },
      teamExists,
    );
  }
}
