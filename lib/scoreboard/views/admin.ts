/**
 * The organiser's view: the live standings (even while the public board is frozen) and every team
 * with its connection, resource names, lab override, failure percentages, local status, last round
 * and table state, each in the organiser's words (a void round's or a table read's role ARN included).
 */
import { type MachineCapacity, machineCapacity } from '@/lib/domain/capacity';
import { DEFAULT_FAILURE_PERCENTAGES } from '@/lib/pipeline-resources';
import type { BoardData } from './board-data';
import { liveTable } from './live-table';
import { remoteState } from './remote';
import { isClosed } from './rounds';
import type { AdminTeam, AdminView, ScoreboardView } from './types';

/** `live` is the live board: teams come in its order, with its ranks. */
export function adminView(data: BoardData, live: ScoreboardView): AdminView {
  const bySlug = new Map(data.teams.map((team) => [team.slug, team]));
  const teams = live.teams.flatMap((standing): AdminTeam[] => {
    const team = bySlug.get(standing.slug);
    if (!team) return [];
    const local = team.local;
    const table = liveTable(team, data.rounds.get(team.slug) ?? [], data.tables.get(team.slug), null);
    return [
      {
        slug: team.slug,
        name: team.name,
        kind: team.kind,
        active: team.active,
        score: team.score,
        rank: standing.rank,
        lab: team.lab,
        labOverride: team.labOverride ?? null,
        failurePercentages: team.failurePercentages ?? null,
        region: team.connection.region,
        roleArn: team.connection.roleArn ?? null,
        externalId: team.connection.externalId ?? null,
        resources: team.resources,
        local: local
          ? {
              pipeline: local.pipeline,
              status: local.status,
              message: local.message ?? null,
              resetPending: Boolean(local.resetRequestedAt && (!local.resetDoneAt || local.resetDoneAt < local.resetRequestedAt)),
            }
          : null,
        remote: remoteState(team, data.readAt ?? Date.now()),
        lastRound: (data.summaries.get(team.slug) ?? []).filter(isClosed).at(-1) ?? null,
        tableState: table.state,
        tableMessage: table.message,
      },
    ];
  });
  return { live, teams, defaultFailurePercentages: { ...DEFAULT_FAILURE_PERCENTAGES }, localTeams: data.localTeams, capacity: capacityOf(data) };
}

/** The machine's capacity against its active local teams at the current settings (local mode only). */
function capacityOf(data: BoardData): MachineCapacity | null {
  if (!data.localTeams || !data.machine) return null;
  return machineCapacity({ measurement: data.machine.cpuMeasurement, cores: data.machine.cores, settings: data.settings, teams: data.teams });
}
