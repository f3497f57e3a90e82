/**
 * What the organiser can do, as changes to the organiser store (the scheduler and the supervisor
 * act on them): teams, rounds, the schedule, freezing the board, announcements and exports.
 * Each action drops the cached snapshot so the organiser sees its effect on the next poll.
 */

import os from 'node:os';
import { localTeamWarning, machineCapacity } from '../domain/capacity';
import { TeamExistsError, TeamNotFoundError } from '../errors';
import type { ServedJson } from '../scoreboard/etag';
import type { SnapshotBuilder } from '../scoreboard/snapshot';
import { roundsCsv, standingsCsv } from '../scoreboard/views/exports';
import type { AdminTeam } from '../scoreboard/views/types';
import { labForScore, type OrganiserStore } from '../store/organiser-store';
import { newAwsTeam, newLocalTeam, newRemoteTeam } from '../store/team-records';
import type { Command, Settings, Team } from '../store/types';
import { HttpError, noTeam } from './http';
import type { AnnouncementInput, Freeze, NewTeamInput, SettingsChanges, StartRound, TeamChanges } from './schemas';
import type { TeamTokens } from './team-tokens';
import { joinCommand } from './team-tokens';

/** A team just added; a remote team comes with its join token, a local team beyond this machine's capacity with a warning. */
export interface AddedTeam {
  team: Team;
  joinToken?: string;
  warning?: string;
}

import { type CdkOutputs, type ImportResult, planImport, previewOf } from './team-import';

export class OrganiserActions {
  constructor(
    private readonly store: OrganiserStore,
    private readonly snapshots: SnapshotBuilder,
    /** Region recorded for local teams (the emulators' region). */
    private readonly localRegion: string,
    /** Whether local teams can run (false in AWS mode: no emulators, no function runtime). */
    private readonly localTeams: boolean,
    /** Remote teams' join tokens. */
    private readonly tokens: TeamTokens,
  ) {}

  private async existing(slug: string): Promise<Team> {
    const team = await this.store.getTeam(slug);
    if (!team) throw noTeam(slug);
    return team;
  }

  /** The live standings and every team's settings (the organiser's view, live even while frozen). */
  async board(): Promise<ServedJson> {
    return (await this.snapshots.current()).admin();
  }

  async teams(): Promise<AdminTeam[]> {
    return (await this.snapshots.current()).adminView().teams;
  }

  settings(): Promise<Settings> {
    return this.store.getSettings();
  }

  async addTeam(input: NewTeamInput): Promise<AddedTeam> {
    if (input.kind === 'local' && !this.localTeams) {
      throw new HttpError(
        400,
        'kind: this workshop runs on AWS (WORKSHOP_MODE=aws), so it has no emulators for a local team: add the team as "aws" or "remote"',
      );
    }
    const team =
      input.kind === 'local'
        ? newLocalTeam(input.slug, input.name, input.pipeline, this.localRegion)
        : input.kind === 'remote'
          ? newRemoteTeam(input.slug, input.name, this.localRegion)
          : newAwsTeam({
              slug: input.slug,
              name: input.name,
              region: input.region,
              roleArn: input.roleArn,
              externalId: input.externalId,
              resources: input.resources,
            });
    const warning = team.kind === 'local' && team.active ? await this.localTeamWarning() : null;
    try {
      await this.store.createTeam(team);
    } catch (error) {
      if (error instanceof TeamExistsError) throw new HttpError(409, `slug: a team with slug "${input.slug}" already exists`);
      throw error;
    }
    this.snapshots.invalidate();
    if (warning) return { team, warning };
    if (team.kind !== 'remote') return { team };
    const joinToken = await this.tokens.issue(team.slug);
    if (!joinToken) throw new HttpError(409, `slug: team "${team.slug}" was changed while it was being added; try again`);
    return { team, joinToken };
  }

  /** Why one more local team is beyond this machine's capacity (lib/domain/capacity.ts), or null when it fits. */
  private async localTeamWarning(): Promise<string | null> {
    const [settings, teams, measurement] = await Promise.all([this.store.getSettings(), this.store.listTeams(), this.store.machine.cpuMeasurement()]);
    return localTeamWarning(machineCapacity({ measurement, cores: os.availableParallelism(), settings, teams }), settings.roundMessages);
  }

  /** A remote team's current join token and command (organiser only); 404 when it has none. */
  async joinCommand(slug: string, organiserUrl: string): Promise<{ joinToken: string | null; joinCommand: string | null; createdAt: string }> {
    const team = await this.existing(slug);
    if (team.kind !== 'remote') throw new HttpError(404, `team "${slug}" is not a remote team: only remote teams have a join token`);
    const current = await this.tokens.current(slug);
    if (!current) throw new HttpError(404, `team "${slug}" has no join token (it was revoked): POST to make a new one`);
    return {
      joinToken: current.token,
      joinCommand: current.token ? joinCommand(organiserUrl, current.token) : null,
      createdAt: current.createdAt,
    };
  }

  /** A new join token for a remote team; its old one stops working. */
  async regenerateToken(slug: string, organiserUrl: string): Promise<{ joinToken: string; joinCommand: string }> {
    const team = await this.existing(slug);
    if (team.kind !== 'remote') throw new HttpError(400, `slug: team "${slug}" is not a remote team: only remote teams have a join token`);
    const joinToken = await this.tokens.issue(slug);
    if (!joinToken) throw new HttpError(409, `team "${slug}" changed meanwhile; try again`);
    this.snapshots.invalidate();
    return { joinToken, joinCommand: joinCommand(organiserUrl, joinToken) };
  }

  /** Revokes a remote team's join token (its agent is refused from now on). */
  async revokeToken(slug: string): Promise<{ revoked: boolean }> {
    const team = await this.existing(slug);
    if (team.kind !== 'remote') throw new HttpError(400, `slug: team "${slug}" is not a remote team: only remote teams have a join token`);
    const revoked = await this.tokens.revoke(slug);
    this.snapshots.invalidate();
    return { revoked };
  }

  /**
   * Adds an AWS team for each pipeline stack in `cdk deploy --outputs-file` JSON, skipping (with a
   * reason each) malformed stacks and those already registered; with `preview`, only says what it
   * would do. Safe to repeat: what an earlier import created is skipped.
   */
  async importTeams(outputs: CdkOutputs, preview: boolean): Promise<ImportResult> {
    const plan = planImport(outputs, await this.store.listTeams());
    if (preview) return previewOf(plan);
    const result: ImportResult = { created: [], skipped: [...plan.skipped] };
    for (const { stack, file, team } of plan.teams) {
      try {
        await this.store.createTeam(newAwsTeam(team));
        result.created.push(team.slug);
      } catch (error) {
        if (!(error instanceof TeamExistsError)) throw error;
        result.skipped.push({ stack, ...(file === undefined ? {} : { file }), reason: `a team with slug "${team.slug}" was registered meanwhile` });
      }
    }
    if (result.created.length) this.snapshots.invalidate();
    return result;
  }

  async updateTeam(slug: string, changes: TeamChanges): Promise<Team> {
    const update: Partial<Team> = { ...changes };
    if (changes.labOverride !== undefined) {
      const team = await this.existing(slug);
      if (changes.labOverride !== null) update.lab = changes.labOverride;
      else if (team.labOverride !== null) update.lab = labForScore({ lab: 1, labOverride: null }, team.score);
    }
    try {
      const team = await this.store.updateTeam(slug, update);
      this.snapshots.invalidate();
      return team;
    } catch (error) {
      if (error instanceof TeamNotFoundError) throw noTeam(slug);
      throw error;
    }
  }

  /** Removes a team and its rounds; answers the slug removed. */
  async removeTeam(slug: string): Promise<string> {
    await this.tokens.forgetTeam(slug);
    if (!(await this.store.deleteTeam(slug))) throw noTeam(slug);
    this.snapshots.invalidate();
    return slug;
  }

  async resetTeam(slug: string): Promise<Team> {
    const team = await this.existing(slug);
    if (team.kind !== 'local')
      throw new HttpError(400, `slug: team "${slug}" runs on AWS; only local teams can be reset from here (redeploy its stack instead)`);
    const updated = await this.store.requestReset(slug);
    this.snapshots.invalidate();
    return updated;
  }

  /** Asks the scheduler for a round now, for the given teams or every active team. */
  async startRound({ teams }: StartRound): Promise<Command> {
    if (teams) {
      const known = new Map((await this.store.listTeams()).map((team) => [team.slug, team]));
      const unknown = teams.filter((slug) => !known.has(slug));
      if (unknown.length) throw new HttpError(404, `teams: no team with slug ${unknown.map((slug) => `"${slug}"`).join(', ')}`);
    }
    const command = await this.store.enqueueCommand({ type: 'start-round', ...(teams ? { teams: [...new Set(teams)] } : {}) });
    this.snapshots.invalidate();
    return command;
  }

  async updateSettings(changes: SettingsChanges): Promise<Settings> {
    const settings = await this.store.updateSettings(changes);
    this.snapshots.invalidate();
    return settings;
  }

  /** Freezes the public standings as they are now (the organiser keeps seeing them live), or thaws them. */
  async setFrozen({ frozen }: Freeze): Promise<Settings> {
    let settings: Settings;
    if (frozen) {
      await this.store.saveFrozenSnapshot(await this.snapshots.freezeBoard());
      settings = await this.store.updateSettings({ frozen: true, frozenAt: new Date().toISOString() });
    } else {
      settings = await this.store.updateSettings({ frozen: false, frozenAt: null });
      await this.store.saveFrozenSnapshot(null);
    }
    this.snapshots.invalidate();
    return settings;
  }

  /** Posts an announcement on every screen; empty text takes it down. */
  async announce({ text }: AnnouncementInput): Promise<Settings> {
    const settings = await this.store.updateSettings({ announcement: text ? { text, postedAt: new Date().toISOString() } : null });
    this.snapshots.invalidate();
    return settings;
  }

  async standingsCsv(): Promise<string> {
    const snapshot = await this.snapshots.current();
    return standingsCsv(snapshot.live().teams);
  }

  async roundsCsv(): Promise<string> {
    const teams = await this.store.listTeams();
    const rounds = await Promise.all(teams.map((team) => this.store.listRounds(team.slug, { after: 0 })));
    return roundsCsv(rounds.flat());
  }
}
