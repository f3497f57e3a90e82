/**
 * The organiser store: one DynamoDB table (pk, sk) holding teams, settings, rounds, the scheduler's
 * lease and organiser commands. Points are awarded in the same transaction that closes a round, on
 * the condition that the round is still running and the caller still holds the lease, so a round
 * is scored at most once whatever crashes or restarts.
 */
import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  TransactionCanceledException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type Connection, dynamoDbClient } from '../aws/clients';
import type { Command, Lab, LocalStatus, Round, Settings, Team } from './types';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const TEAM_PK = 'TEAM';
const SETTINGS_KEY = { pk: 'SETTINGS', sk: 'SETTINGS' };
const FROZEN_KEY = { pk: 'SETTINGS', sk: 'FROZEN' };
const SEEDED_KEY = { pk: 'SETTINGS', sk: 'SEEDED' };
const LEASE_KEY = { pk: 'LEASE', sk: 'scheduler' };
const COUNTER_KEY = { pk: 'COUNTER', sk: 'round' };
const RUNNING_PK = 'RUNNING';
const COMMAND_PK = 'COMMAND';

const roundPk = (slug: string) => `ROUND#${slug}`;
const roundSk = (number: number) => String(number).padStart(10, '0');

/** Points a passing round earns, and the score at which a team moves to Lab 2. */
export const POINTS_PER_ROUND = 100;
export const LAB_2_SCORE = 300;

export class TeamExistsError extends Error {}
export class TeamNotFoundError extends Error {}

/** Round settings taken from the environment until the organiser changes them. */
export interface SettingsDefaults {
  roundIntervalSeconds: number;
  roundMessages: number;
  roundDeadlineSeconds: number;
}

/** Proof of leadership: the holder id, checked inside every scoring transaction. */
export interface LeaseToken {
  holder: string;
}

export interface RoundListOptions {
  /** At most this many rounds, newest first. */
  limit?: number;
  /** Only rounds numbered above this one, oldest first. */
  after?: number;
}

function stripKeys<T>(item: Record<string, unknown> | undefined): T | null {
  if (!item) return null;
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
}

/** Builds `#a = :a` assignments with their names and values for top-level attributes. */
function assignmentsOf(changes: Record<string, unknown>) {
  const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
  return {
    assignments: entries.map(([name]) => `#${name} = :${name}`),
    ExpressionAttributeNames: Object.fromEntries(entries.map(([name]) => [`#${name}`, name])),
    ExpressionAttributeValues: Object.fromEntries(entries.map(([name, value]) => [`:${name}`, value])),
  };
}

/** The parameters of an update that sets top-level attributes. */
function setExpression(changes: Record<string, unknown>) {
  const { assignments, ExpressionAttributeNames, ExpressionAttributeValues } = assignmentsOf(changes);
  return { UpdateExpression: `SET ${assignments.join(', ')}`, ExpressionAttributeNames, ExpressionAttributeValues };
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || error instanceof TransactionCanceledException;
}

/** The lab a team plays after its score changed, unless the organiser overrides it. */
export function labForScore(team: Pick<Team, 'lab' | 'labOverride'>, score: number): Lab {
  if (team.labOverride) return team.labOverride;
  return score >= LAB_2_SCORE ? 2 : team.lab;
}

export class OrganiserStore {
  readonly documents: DynamoDBDocumentClient;
  private readonly client: DynamoDBClient;

  constructor(
    connection: Connection,
    readonly tableName: string,
    private readonly defaults: SettingsDefaults,
  ) {
    this.client = dynamoDbClient(connection);
    this.documents = DynamoDBDocumentClient.from(this.client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
  }

  /** Creates the table if it does not exist yet. */
  async ensureTable(): Promise<void> {
    const client = this.client;
    try {
      await client.send(new DescribeTableCommand({ TableName: this.tableName }));
      return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    await client.send(
      new CreateTableCommand({
        TableName: this.tableName,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: this.tableName });
  }

  private async queryAll<T>(input: Omit<QueryCommandInput, 'TableName'>): Promise<T[]> {
    const items: T[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) items.push(stripKeys<T>(item) as T);
      startKey = input.Limit ? undefined : page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  // ---- teams ----

  async listTeams(): Promise<Team[]> {
    return this.queryAll<Team>({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': TEAM_PK } });
  }

  async getTeam(slug: string): Promise<Team | null> {
    const result = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { pk: TEAM_PK, sk: slug }, ConsistentRead: true }));
    return stripKeys<Team>(result.Item);
  }

  /** Adds a team; throws TeamExistsError when the slug is taken. */
  async createTeam(team: Team): Promise<void> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: TEAM_PK, sk: team.slug, ...team },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new TeamExistsError(`a team with slug "${team.slug}" already exists`);
      throw error;
    }
  }

  /** Changes top-level attributes of a team (not its score, which only rounds change). */
  async updateTeam(slug: string, changes: Partial<Omit<Team, 'slug' | 'score' | 'scoreReachedAt' | 'local'>>): Promise<Team> {
    return this.updateTeamAttributes(slug, changes);
  }

  private async updateTeamAttributes(
    slug: string,
    changes: Record<string, unknown>,
    extra?: { expression: string; names: Record<string, string>; values: Record<string, unknown> },
  ): Promise<Team> {
    const { assignments, ExpressionAttributeNames, ExpressionAttributeValues } = assignmentsOf(changes);
    const parts = [...assignments, ...(extra ? [extra.expression] : [])];
    try {
      const result = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: TEAM_PK, sk: slug },
          UpdateExpression: `SET ${parts.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { ...ExpressionAttributeNames, ...extra?.names },
          ExpressionAttributeValues: { ...ExpressionAttributeValues, ...extra?.values },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return stripKeys<Team>(result.Attributes) as Team;
    } catch (error) {
      if (isConditionFailure(error)) throw new TeamNotFoundError(`no team with slug "${slug}"`);
      throw error;
    }
  }

  /** Records the state of a local team's resources (written by the supervisor). */
  async setLocalState(slug: string, state: { status: LocalStatus; message?: string; resetDoneAt?: string }, connection?: Connection): Promise<Team> {
    const entries = Object.entries(state).filter(([, value]) => value !== undefined);
    return this.updateTeamAttributes(slug, connection ? { connection } : {}, {
      expression: entries.map(([name]) => `#local.#l_${name} = :l_${name}`).join(', '),
      names: { '#local': 'local', ...Object.fromEntries(entries.map(([name]) => [`#l_${name}`, name])) },
      values: Object.fromEntries(entries.map(([name, value]) => [`:l_${name}`, value])),
    });
  }

  /** Asks the supervisor to reset a local team (fresh tables and stream). */
  async requestReset(slug: string): Promise<Team> {
    return this.updateTeamAttributes(
      slug,
      {},
      {
        expression: '#local.#requested = :now',
        names: { '#local': 'local', '#requested': 'resetRequestedAt' },
        values: { ':now': new Date().toISOString() },
      },
    );
  }

  /** Removes a team and its round history. Returns false when there was no such team. */
  async deleteTeam(slug: string): Promise<boolean> {
    const result = await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: TEAM_PK, sk: slug }, ReturnValues: 'ALL_OLD' }));
    const rounds = await this.queryAll<Round>({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': roundPk(slug) },
      ProjectionExpression: 'pk, sk, #n',
      ExpressionAttributeNames: { '#n': 'number' },
    });
    for (let start = 0; start < rounds.length; start += 25) {
      const keys = rounds.slice(start, start + 25).map((round) => ({ pk: roundPk(slug), sk: roundSk(round.number) }));
      await this.documents.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: keys.map((Key) => ({ DeleteRequest: { Key } })) } }));
    }
    return Boolean(result.Attributes);
  }

  /** True exactly once per store: whether the default teams should be created now. */
  async claimFirstStart(): Promise<boolean> {
    try {
      await this.documents.send(
        new PutCommand({ TableName: this.tableName, Item: { ...SEEDED_KEY, at: new Date().toISOString() }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  // ---- settings ----

  async getSettings(): Promise<Settings> {
    const result = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: SETTINGS_KEY, ConsistentRead: true }));
    const stored = stripKeys<Partial<Settings>>(result.Item) ?? {};
    return {
      ...this.defaults,
      paused: false,
      frozen: false,
      frozenAt: null,
      announcement: null,
      nextRoundAt: null,
      ...stored,
    };
  }

  async updateSettings(changes: Partial<Settings>): Promise<Settings> {
    const result = await this.documents.send(
      new UpdateCommand({ TableName: this.tableName, Key: SETTINGS_KEY, ...setExpression(changes as Record<string, unknown>), ReturnValues: 'ALL_NEW' }),
    );
    return { ...(await this.getSettings()), ...stripKeys<Partial<Settings>>(result.Attributes) };
  }

  async saveFrozenSnapshot(snapshot: string | null): Promise<void> {
    if (snapshot === null) {
      await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: FROZEN_KEY }));
      return;
    }
    await this.documents.send(new PutCommand({ TableName: this.tableName, Item: { ...FROZEN_KEY, snapshot } }));
  }

  async getFrozenSnapshot(): Promise<string | null> {
    const result = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: FROZEN_KEY, ConsistentRead: true }));
    return (result.Item?.snapshot as string | undefined) ?? null;
  }

  // ---- the scheduler's lease ----

  /** Takes or renews the scheduler lease; false when another live holder has it. */
  async acquireLease(holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...LEASE_KEY, holder, expiresAt: now + ttlMs },
          ConditionExpression: 'attribute_not_exists(pk) OR holder = :holder OR expiresAt < :now',
          ExpressionAttributeValues: { ':holder': holder, ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async releaseLease(holder: string): Promise<void> {
    try {
      await this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: LEASE_KEY,
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':holder': holder },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  private leaseCheck(lease: LeaseToken): TransactItem {
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: LEASE_KEY,
        ConditionExpression: 'holder = :holder AND expiresAt > :now',
        ExpressionAttributeValues: { ':holder': lease.holder, ':now': Date.now() },
      },
    };
  }

  // ---- rounds ----

  /** The next round number of the event (shared by all teams started together). */
  async allocateRoundNumber(): Promise<number> {
    const result = await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: COUNTER_KEY,
        UpdateExpression: 'ADD #n :one',
        ExpressionAttributeNames: { '#n': 'value' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return result.Attributes?.value as number;
  }

  /** Records a round as running (and marks it for crash recovery); the lease must be held. */
  async startRound(round: Round, lease: LeaseToken): Promise<void> {
    await this.documents.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: { pk: roundPk(round.team), sk: roundSk(round.number), ...round },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: { TableName: this.tableName, Item: { pk: RUNNING_PK, sk: `${round.team}#${roundSk(round.number)}`, team: round.team, number: round.number } },
          },
          this.leaseCheck(lease),
        ],
      }),
    );
  }

  /** Adds progress to a running round (baseline, expected totals, send times…). */
  async updateRunningRound(team: string, number: number, changes: Partial<Round>): Promise<void> {
    const set = setExpression(changes as Record<string, unknown>);
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: roundPk(team), sk: roundSk(number) },
        ...set,
        ConditionExpression: '#status = :running',
        ExpressionAttributeNames: { ...set.ExpressionAttributeNames, '#status': 'status' },
        ExpressionAttributeValues: { ...set.ExpressionAttributeValues, ':running': 'running' },
      }),
    );
  }

  /**
   * Closes a running round with its final record and awards its points to the team, atomically.
   * Returns false (and changes nothing) when the round was already closed or the lease is lost.
   */
  async closeRound(round: Round, lease: LeaseToken, team: Pick<Team, 'lab' | 'labOverride' | 'score'>): Promise<boolean> {
    const { team: slug, number, ...fields } = round;
    const set = setExpression(fields as Record<string, unknown>);
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: { pk: roundPk(slug), sk: roundSk(number) },
          UpdateExpression: set.UpdateExpression,
          ConditionExpression: '#running_status = :running',
          ExpressionAttributeNames: { ...set.ExpressionAttributeNames, '#running_status': 'status' },
          ExpressionAttributeValues: { ...set.ExpressionAttributeValues, ':running': 'running' },
        },
      },
      { Delete: { TableName: this.tableName, Key: { pk: RUNNING_PK, sk: `${slug}#${roundSk(number)}` } } },
      this.leaseCheck(lease),
    ];
    if (round.points > 0) {
      const newScore = team.score + round.points;
      items.push({
        Update: {
          TableName: this.tableName,
          Key: { pk: TEAM_PK, sk: slug },
          UpdateExpression: 'ADD score :points SET scoreReachedAt = :at, lab = :lab',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':points': round.points, ':at': round.endedAt ?? new Date().toISOString(), ':lab': labForScore(team, newScore) },
        },
      });
    }
    try {
      await this.documents.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Rounds left running (by a scheduler that crashed), to be closed as void. */
  async listRunningRounds(): Promise<Array<{ team: string; number: number }>> {
    return this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': RUNNING_PK },
      ProjectionExpression: 'team, #n',
      ExpressionAttributeNames: { '#n': 'number' },
    });
  }

  async getRound(team: string, number: number): Promise<Round | null> {
    const result = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: roundPk(team), sk: roundSk(number) }, ConsistentRead: true }),
    );
    return stripKeys<Round>(result.Item);
  }

  /** A team's rounds: the newest `limit` (newest first), or all after a number (oldest first). */
  async listRounds(team: string, options: RoundListOptions = {}): Promise<Round[]> {
    if (options.after !== undefined) {
      return this.queryAll<Round>({
        KeyConditionExpression: 'pk = :pk AND sk > :after',
        ExpressionAttributeValues: { ':pk': roundPk(team), ':after': roundSk(options.after) },
      });
    }
    return this.queryAll<Round>({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': roundPk(team) },
      ScanIndexForward: false,
      Limit: options.limit,
    });
  }

  // ---- organiser commands ----

  async enqueueCommand(command: Omit<Command, 'id' | 'requestedAt'>): Promise<Command> {
    const requestedAt = new Date().toISOString();
    const full: Command = { ...command, id: `${requestedAt}#${randomUUID()}`, requestedAt };
    await this.documents.send(new PutCommand({ TableName: this.tableName, Item: { pk: COMMAND_PK, sk: full.id, ...full } }));
    return full;
  }

  /** Takes pending commands, oldest first; each is returned to exactly one caller. */
  async takeCommands(): Promise<Command[]> {
    const pending = await this.queryAll<Command>({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': COMMAND_PK } });
    const taken: Command[] = [];
    for (const command of pending) {
      try {
        await this.documents.send(
          new DeleteCommand({ TableName: this.tableName, Key: { pk: COMMAND_PK, sk: command.id }, ConditionExpression: 'attribute_exists(pk)' }),
        );
        taken.push(command);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    return taken;
  }
}
