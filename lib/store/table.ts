/**
 * The organiser store's one table helper: items keyed by `pk` and `sk`, typed reads and writes,
 * queries, batch reads and deletes, and transactions. Expressions are built, never glued by hand: a
 * `Condition` or an update names attributes by path (`local.status`) and gives values as they are,
 * and the helper turns them into `#n0.#n1 = :v0` with the matching ExpressionAttributeNames and
 * ExpressionAttributeValues. The record modules (teams.ts, settings.ts, lease.ts, rounds.ts,
 * commands.ts, sessions.ts) say what they store; this says how it is written.
 */
import { setTimeout as sleep } from 'node:timers/promises';
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
  BatchGetCommand,
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

/** Every item's key: the record kind's partition and the record within it. */
export interface ItemKey {
  pk: string;
  sk: string;
}

/** Placeholders of one expression (or of the expressions of one request), numbered as they are asked for. */
export class ExpressionNames {
  private readonly names = new Map<string, string>();
  private readonly values: Record<string, unknown> = {};

  /** `#n…` placeholders for an attribute path, segment by segment (`local.status` → `#n0.#n1`). */
  name(path: string): string {
    return path
      .split('.')
      .map((segment) => {
        let placeholder = this.names.get(segment);
        if (!placeholder) {
          placeholder = `#n${this.names.size}`;
          this.names.set(segment, placeholder);
        }
        return placeholder;
      })
      .join('.');
  }

  /** A fresh `:v…` placeholder holding `value`. */
  value(value: unknown): string {
    const placeholder = `:v${Object.keys(this.values).length}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  /** What the request sends beside its expressions (nothing when no placeholder was used). */
  attributes(): { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> } {
    return {
      ...(this.names.size > 0 ? { ExpressionAttributeNames: Object.fromEntries([...this.names].map(([name, placeholder]) => [placeholder, name])) } : {}),
      ...(Object.keys(this.values).length > 0 ? { ExpressionAttributeValues: { ...this.values } } : {}),
    };
  }
}

/** A condition on an item, written against the placeholders of the request it goes into. */
export type Condition = (expression: ExpressionNames) => string;

/** The item exists (whatever record it is). */
export const itemExists: Condition = (x) => `attribute_exists(${x.name('pk')})`;
/** No item has this key yet. */
export const itemAbsent: Condition = (x) => `attribute_not_exists(${x.name('pk')})`;
/** `path = value`. */
export const attributeIs =
  (path: string, value: unknown): Condition =>
  (x) =>
    `${x.name(path)} = ${x.value(value)}`;
/** `path < value`. */
export const attributeBelow =
  (path: string, value: unknown): Condition =>
  (x) =>
    `${x.name(path)} < ${x.value(value)}`;
/** `path > value`. */
export const attributeAbove =
  (path: string, value: unknown): Condition =>
  (x) =>
    `${x.name(path)} > ${x.value(value)}`;
/** Every one of the conditions. */
export const allOf =
  (...conditions: Condition[]): Condition =>
  (x) =>
    conditions.map((condition) => `(${condition(x)})`).join(' AND ');
/** At least one of the conditions. */
export const anyOf =
  (...conditions: Condition[]): Condition =>
  (x) =>
    conditions.map((condition) => `(${condition(x)})`).join(' OR ');

/** What an update does: attributes (paths) to set, numbers to add to. Undefined values are left out. */
export interface Changes {
  set?: Record<string, unknown>;
  add?: Record<string, number>;
}

function definedEntries(record: Record<string, unknown> | undefined): Array<[string, unknown]> {
  return Object.entries(record ?? {}).filter(([, value]) => value !== undefined);
}

/** The update expression of `changes`; throws when there is nothing to change (DynamoDB would refuse it). */
export function updateExpression(changes: Changes, x: ExpressionNames): string {
  const set = definedEntries(changes.set).map(([path, value]) => `${x.name(path)} = ${x.value(value)}`);
  const add = definedEntries(changes.add).map(([path, value]) => `${x.name(path)} ${x.value(value)}`);
  if (set.length === 0 && add.length === 0) throw new Error('an update must change at least one attribute');
  return [...(add.length > 0 ? [`ADD ${add.join(', ')}`] : []), ...(set.length > 0 ? [`SET ${set.join(', ')}`] : [])].join(' ');
}

/** Whether a write was refused by its condition (alone or as part of a transaction). */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || error instanceof TransactionCanceledException;
}

/** True when `write` happened, false when its condition refused it; other errors are thrown. */
export async function conditionHeld(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** One string per key (a map's key). */
export const keyId = ({ pk, sk }: ItemKey): string => JSON.stringify([pk, sk]);

/** A record without its key attributes. */
export function withoutKey<T>(item: Record<string, unknown> | undefined): T | null {
  if (!item) return null;
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
}

export type TransactionPart = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface QueryOptions {
  /** Only records whose sort key is above this one (oldest first). */
  skAfter?: string;
  /** Only records whose sort key begins with this. */
  skBeginsWith?: string;
  /** Strongly consistent (what was written before is read). */
  consistent?: boolean;
  /** Records keep their `pk` and `sk`. */
  withKeys?: boolean;
  /** Newest (highest sort key) first. */
  newestFirst?: boolean;
  /** At most this many records (one page); all of them otherwise. */
  limit?: number;
  /** Only these attributes (paths). */
  attributes?: string[];
}

export class StoreTable {
  readonly documents: DynamoDBDocumentClient;

  constructor(
    private readonly client: DynamoDBClient,
    readonly name: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
  }

  /** Creates the table if it does not exist yet. */
  async ensure(): Promise<void> {
    const client = this.client;
    try {
      await client.send(new DescribeTableCommand({ TableName: this.name }));
      return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    await client.send(
      new CreateTableCommand({
        TableName: this.name,
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
    await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: this.name });
  }

  /** One record, strongly consistent, without its key; null when absent. */
  async get<T>(key: ItemKey): Promise<T | null> {
    const result = await this.documents.send(new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true }));
    return withoutKey<T>(result.Item);
  }

  /** Writes a whole record (replacing any), if `condition` holds. */
  async put(key: ItemKey, record: object, condition?: Condition): Promise<void> {
    await this.documents.send(new PutCommand(this.putPart(key, record, condition).Put!));
  }

  /** Changes attributes of a record, if `condition` holds; returns the record as it is afterwards. */
  async update<T>(key: ItemKey, changes: Changes, condition?: Condition): Promise<T> {
    const result = await this.documents.send(new UpdateCommand({ ...this.updatePart(key, changes, condition).Update!, ReturnValues: 'ALL_NEW' }));
    return withoutKey<T>(result.Attributes) as T;
  }

  /** Deletes a record, if `condition` holds; returns whether there was one. */
  async delete(key: ItemKey, condition?: Condition): Promise<boolean> {
    const result = await this.documents.send(new DeleteCommand({ ...this.deletePart(key, condition).Delete!, ReturnValues: 'ALL_OLD' }));
    return result.Attributes !== undefined;
  }

  /**
   * Records by key, strongly consistent, 100 keys per BatchGetItem (keys DynamoDB leaves unprocessed
   * asked again), each without its key or null when absent, in the order of `keys`.
   */
  async getMany<T>(keys: readonly ItemKey[]): Promise<Array<T | null>> {
    const found = new Map<string, T>();
    for (let start = 0; start < keys.length; start += 100) {
      let asked: ItemKey[] = keys.slice(start, start + 100).map(({ pk, sk }) => ({ pk, sk }));
      for (let attempt = 1; asked.length > 0; attempt++) {
        if (attempt > 5) throw new Error(`DynamoDB left ${asked.length} keys of ${this.name} unprocessed 5 times`);
        const page = await this.documents.send(new BatchGetCommand({ RequestItems: { [this.name]: { Keys: asked, ConsistentRead: true } } }));
        for (const item of page.Responses?.[this.name] ?? []) found.set(keyId(item as ItemKey), withoutKey<T>(item) as T);
        asked = (page.UnprocessedKeys?.[this.name]?.Keys ?? []) as ItemKey[];
        if (asked.length > 0) await sleep(50 * 2 ** attempt); // throttled: back off before asking again
      }
    }
    return keys.map((key) => found.get(keyId(key)) ?? null);
  }

  /** Deletes records, 25 per call. */
  async deleteAll(keys: ItemKey[]): Promise<void> {
    for (let start = 0; start < keys.length; start += 25) {
      const batch = keys.slice(start, start + 25).map(({ pk, sk }) => ({ DeleteRequest: { Key: { pk, sk } } }));
      await this.documents.send(new BatchWriteCommand({ RequestItems: { [this.name]: batch } }));
    }
  }

  /** The records of a partition, in sort key order, without their keys (with them when `withKeys`). */
  async query<T>(pk: string, options: QueryOptions = {}): Promise<T[]> {
    const x = new ExpressionNames();
    let keyCondition = `${x.name('pk')} = ${x.value(pk)}`;
    if (options.skAfter !== undefined) keyCondition += ` AND ${x.name('sk')} > ${x.value(options.skAfter)}`;
    else if (options.skBeginsWith !== undefined) keyCondition += ` AND begins_with(${x.name('sk')}, ${x.value(options.skBeginsWith)})`;
    const projection = options.attributes?.map((path) => x.name(path)).join(', ');
    const input: Omit<QueryCommandInput, 'ExclusiveStartKey'> = {
      TableName: this.name,
      KeyConditionExpression: keyCondition,
      ...(projection ? { ProjectionExpression: projection } : {}),
      ...(options.newestFirst ? { ScanIndexForward: false } : {}),
      ...(options.consistent ? { ConsistentRead: true } : {}),
      ...(options.limit ? { Limit: options.limit } : {}),
      ...x.attributes(),
    };
    const records: T[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) records.push(options.withKeys ? (item as T) : (withoutKey<T>(item) as T));
      startKey = options.limit ? undefined : page.LastEvaluatedKey;
    } while (startKey);
    return records;
  }

  /** Writes the parts together or not at all. */
  async transact(parts: TransactionPart[]): Promise<void> {
    await this.documents.send(new TransactWriteCommand({ TransactItems: parts }));
  }

  putPart(key: ItemKey, record: object, condition?: Condition): TransactionPart {
    const x = new ExpressionNames();
    const ConditionExpression = condition?.(x);
    return { Put: { TableName: this.name, Item: { ...record, ...key }, ...(ConditionExpression ? { ConditionExpression } : {}), ...x.attributes() } };
  }

  updatePart(key: ItemKey, changes: Changes, condition?: Condition): TransactionPart {
    const x = new ExpressionNames();
    const UpdateExpression = updateExpression(changes, x);
    const ConditionExpression = condition?.(x);
    return { Update: { TableName: this.name, Key: key, UpdateExpression, ...(ConditionExpression ? { ConditionExpression } : {}), ...x.attributes() } };
  }

  deletePart(key: ItemKey, condition?: Condition): TransactionPart {
    const x = new ExpressionNames();
    const ConditionExpression = condition?.(x);
    return { Delete: { TableName: this.name, Key: key, ...(ConditionExpression ? { ConditionExpression } : {}), ...x.attributes() } };
  }

  checkPart(key: ItemKey, condition: Condition): TransactionPart {
    const x = new ExpressionNames();
    return { ConditionCheck: { TableName: this.name, Key: key, ConditionExpression: condition(x), ...x.attributes() } };
  }
}
