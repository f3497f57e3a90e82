/**
 * The organiser store: one DynamoDB table (pk, sk) holding, by record kind, teams (teams.ts),
 * settings (settings.ts), the scheduler's lease (lease.ts), rounds (rounds.ts), organiser commands
 * (commands.ts), the round-seed secret (event-secret.ts), signed-out sessions (sessions.ts) and what the
 * machine measured about its capacity (machine.ts), all written through one table helper
 * (table.ts). This class is what callers hold: it opens the table and delegates to the record
 * modules. Points are awarded in the same transaction that closes a round, on the condition that
 * the round is still running and the caller still holds the lease, so a round is scored at most
 * once whatever crashes or restarts.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Connection, dynamoDbClient } from '../aws/clients';
import { CommandRecords } from './commands';
import { EventSecretRecords } from './event-secret';
import { LeaseRecords, type LeaseToken } from './lease';
import { MachineRecords } from './machine';
import { type RoundListOptions, RoundRecords } from './rounds';
import { type SettingsDefaults, SettingsRecords } from './settings';
import { StoreTable } from './table';
import { type LocalStateChange, type TeamChanges, TeamRecords } from './teams';
import type { Command, Round, Settings, Team } from './types';

export type { LeaseToken } from './lease';
export type { RoundListOptions } from './rounds';
export { ROUNDS_PER_START } from './rounds';
export type { SettingsDefaults } from './settings';
export { LAB_2_SCORE, labForScore, POINTS_PER_ROUND } from './teams';

export class OrganiserStore {
  readonly table: StoreTable;
  readonly teams: TeamRecords;
  readonly settings: SettingsRecords;
  readonly lease: LeaseRecords;
  readonly rounds: RoundRecords;
  readonly commands: CommandRecords;
  readonly secrets: EventSecretRecords;
  readonly machine: MachineRecords;

  constructor(connection: Connection, tableName: string, defaults: SettingsDefaults) {
    this.table = new StoreTable(dynamoDbClient(connection), tableName);
    this.teams = new TeamRecords(this.table);
    this.settings = new SettingsRecords(this.table, defaults);
    this.lease = new LeaseRecords(this.table);
    this.rounds = new RoundRecords(this.table, this.teams, this.lease);
    this.commands = new CommandRecords(this.table);
    this.secrets = new EventSecretRecords(this.table);
    this.machine = new MachineRecords(this.table);
  }

  get tableName(): string {
    return this.table.name;
  }

  /** The document client over the store's table (for tests that write records by hand). */
  get documents(): DynamoDBDocumentClient {
    return this.table.documents;
  }

  /** Creates the table if it does not exist yet. */
  ensureTable(): Promise<void> {
    return this.table.ensure();
  }

  // ---- teams ----

  listTeams(): Promise<Team[]> {
    return this.teams.list();
  }

  getTeam(slug: string): Promise<Team | null> {
    return this.teams.get(slug);
  }

  /** Adds a team; throws TeamExistsError when the slug is taken. */
  createTeam(team: Team): Promise<void> {
    return this.teams.create(team);
  }

  /** Changes top-level attributes of a team (not its score, which only rounds change). */
  updateTeam(slug: string, changes: TeamChanges): Promise<Team> {
    return this.teams.update(slug, changes);
  }

  /** Records the state of a local team's resources (written by the supervisor). */
  setLocalState(slug: string, state: LocalStateChange, connection?: Connection): Promise<Team> {
    return this.teams.setLocalState(slug, state, connection);
  }

  /** Asks the supervisor to reset a local team (fresh tables and stream). */
  requestReset(slug: string): Promise<Team> {
    return this.teams.requestReset(slug);
  }

  /** Removes a team and its round history. Returns false when there was no such team. */
  async deleteTeam(slug: string): Promise<boolean> {
    const existed = await this.teams.delete(slug);
    await this.rounds.deleteAll(slug);
    return existed;
  }

  /** True exactly once per store: whether the default teams should be created now. */
  claimFirstStart(): Promise<boolean> {
    return this.settings.claimFirstStart();
  }

  // ---- settings ----

  getSettings(): Promise<Settings> {
    return this.settings.get();
  }

  /** The settings and the pending organiser commands, in one store call (the scheduler's tick; take them with `takeCommands`). */
  settingsAndCommands(): Promise<{ settings: Settings; commands: Command[] }> {
    return this.settings.withCommands();
  }

  updateSettings(changes: Partial<Settings>): Promise<Settings> {
    return this.settings.update(changes);
  }

  saveFrozenSnapshot(snapshot: string | null): Promise<void> {
    return this.settings.saveFrozenSnapshot(snapshot);
  }

  getFrozenSnapshot(): Promise<string | null> {
    return this.settings.frozenSnapshot();
  }

  // ---- the scheduler's lease ----

  /** Takes or renews the scheduler lease; false when another live holder has it. */
  acquireLease(holder: string, ttlMs: number): Promise<boolean> {
    return this.lease.acquire(holder, ttlMs);
  }

  releaseLease(holder: string): Promise<void> {
    return this.lease.release(holder);
  }

  // ---- rounds ----

  /** The next round number of the event (shared by all teams started together). */
  allocateRoundNumber(): Promise<number> {
    return this.rounds.allocateNumber();
  }

  /** The round number likely to come next (allocateRoundNumber may still give another). */
  peekRoundNumber(): Promise<number> {
    return this.rounds.peekNextNumber();
  }

  /** Records a round as running (and marks it for crash recovery); the lease must be held. */
  async startRound(round: Round, lease: LeaseToken): Promise<void> {
    const [refused] = await this.rounds.start([round], lease);
    if (refused) throw new Error(`round ${round.number} of ${round.team} is recorded already`);
  }

  /**
   * Records rounds as running (at most `ROUNDS_PER_START`, ./rounds.ts); the lease must be held.
   * Returns the rounds refused because their record exists already (the others are recorded).
   */
  startRounds(rounds: readonly Round[], lease: LeaseToken): Promise<Round[]> {
    return this.rounds.start(rounds, lease);
  }

  /** Adds progress to a running round (baseline, expected totals, send times…). */
  updateRunningRound(team: string, number: number, changes: Partial<Round>): Promise<void> {
    return this.rounds.updateRunning(team, number, changes);
  }

  /** Closes a running round and awards its points, atomically; false when it was closed already or the lease is lost. */
  closeRound(round: Round, lease: LeaseToken, team: Pick<Team, 'lab' | 'labOverride' | 'score'>): Promise<boolean> {
    return this.rounds.close(round, lease, team);
  }

  /** Rounds left running (by a scheduler that crashed), to be closed as void. */
  listRunningRounds(): Promise<Array<{ team: string; number: number }>> {
    return this.rounds.listRunning();
  }

  getRound(team: string, number: number): Promise<Round | null> {
    return this.rounds.get(team, number);
  }

  /** A team's rounds: the newest `limit` (newest first), or all after a number (oldest first). */
  listRounds(team: string, options: RoundListOptions = {}): Promise<Round[]> {
    return this.rounds.list(team, options);
  }

  /** The event's secret round seeds derive from (created once per store; never shown or logged). */
  roundSeedSecret(): Promise<Buffer> {
    return this.secrets.roundSeedSecret();
  }

  // ---- organiser commands ----

  enqueueCommand(command: Omit<Command, 'id' | 'requestedAt'>): Promise<Command> {
    return this.commands.enqueue(command);
  }

  /** Takes pending commands (`pending`, when read with the settings), oldest first; each is returned to exactly one caller. */
  takeCommands(pending?: readonly Command[]): Promise<Command[]> {
    return this.commands.take(pending);
  }
}
