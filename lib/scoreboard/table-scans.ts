/**
 * Reading each team's AggregateTable for the snapshot: at most one read per team in flight (a read
 * still running when the next snapshot is built is not started again), the last values kept while
 * later reads fail, and a team's reads started afresh when its connection or table name changes. A
 * failed read says whose side failed: the organiser's when its credentials could not assume the team's role.
 */
import { readAggregateTable } from '../aws/aggregate-table';
import type { Connection } from '../aws/clients';
import type { TableValues } from '../domain/verdict';
import { errorMessage, roleAssumptionIn } from '../errors';
import type { Team } from '../store/types';
import type { TableRead } from './views/board-data';

export type TableReader = (connection: Connection, table: string) => Promise<TableValues>;

interface TeamTable extends TableRead {
  /** The connection and table the values came from. */
  source: string;
  pending: Promise<void> | null;
}

export class TableScans {
  private readonly tables = new Map<string, TeamTable>();
  /** Reads started so far (for /api/metrics). */
  started = 0;

  constructor(
    private readonly readTable: TableReader = readAggregateTable,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts a read of a team's table unless one is still running; resolves when that read ends. */
  scan(team: Team): Promise<void> {
    const source = JSON.stringify([team.connection, team.resources.aggregateTable]);
    let table = this.tables.get(team.slug);
    if (!table || table.source !== source) {
      table = { source, values: null, readAt: null, error: null, pending: null };
      this.tables.set(team.slug, table);
    }
    if (table.pending) return table.pending;
    const current = table;
    this.started += 1;
    const startedAt = this.now();
    current.pending = this.readTable(team.connection, team.resources.aggregateTable)
      .then(
        (values) => {
          current.values = values;
          current.readAt = startedAt;
          current.error = null;
        },
        (error: unknown) => {
          current.error = { message: errorMessage(error), side: roleAssumptionIn(error) ? 'organiser' : 'team' };
        },
      )
      .finally(() => {
        current.pending = null;
      });
    return current.pending;
  }

  /** The latest read of each of these teams' tables (teams not read yet are left out); forgets other teams. */
  latest(slugs: ReadonlySet<string>): Map<string, TableRead> {
    for (const slug of this.tables.keys()) if (!slugs.has(slug)) this.tables.delete(slug);
    return new Map([...this.tables].map(([slug, { values, readAt, error }]) => [slug, { values, readAt, error }]));
  }
}
