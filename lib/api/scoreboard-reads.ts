/**
 * What the public endpoints answer, from the shared snapshot: the standings, a team's page, a local
 * or remote team's function logs and what the snapshots cost. Unknown teams are 404 with a sentence.
 */
import { PIPELINE_FUNCTIONS } from '../pipeline-resources';
import { type ServedJson, serve } from '../scoreboard/etag';
import type { RuntimeLogs } from '../scoreboard/logs';
import type { SnapshotBuilder, SnapshotMetrics } from '../scoreboard/snapshot';
import type { AgentRecords } from '../store/agent-records';
import { HttpError, noTeam } from './http';

export class ScoreboardReads {
  constructor(
    private readonly snapshots: SnapshotBuilder,
    private readonly logs: RuntimeLogs,
    /** Remote teams' forwarded logs. */
    private readonly agents: AgentRecords,
  ) {}

  /** The public standings (frozen while the organiser froze them). */
  async scoreboard(): Promise<ServedJson> {
    return (await this.snapshots.current()).scoreboard();
  }

  async teamPage(slug: string): Promise<ServedJson> {
    const page = (await this.snapshots.current()).teamPage(slug);
    if (!page) throw noTeam(slug);
    return page;
  }

  /** The latest lines of a local team's functions, or those a remote team's agent forwarded (AWS teams' logs are in CloudWatch). */
  async teamLogs(slug: string): Promise<ServedJson> {
    const team = (await this.snapshots.current()).findTeam(slug);
    if (!team) throw noTeam(slug);
    if (team.kind === 'remote') {
      const functions = await this.agents.logsOf(slug);
      return serve({
        available: true,
        message: functions ? null : 'No log lines from the team’s machine yet.',
        functions: functions ?? Object.fromEntries(PIPELINE_FUNCTIONS.map((fn) => [fn, []])),
      });
    }
    if (team.kind !== 'local') throw new HttpError(404, `team "${slug}" runs on AWS: its logs are in CloudWatch, not here`);
    return this.logs.latest(slug);
  }

  /** What the snapshots cost so far (counts only: nothing about teams or points). */
  metrics(): SnapshotMetrics {
    return this.snapshots.metrics;
  }
}
