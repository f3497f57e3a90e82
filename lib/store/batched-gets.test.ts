/**
 * Gathered reads (./batched-gets.ts) against a real DynamoDB Local, counting the BatchGetItem calls
 * the store's client sends: reads asked within the window are one call with each its own answer
 * (null for a record that is not there), a read asked after a write sees the write, more than 100
 * keys take more than one call, and a failed call fails each read that waited on it.
 */
import { describe, expect, it } from 'vitest';
import { dynamoDbFixture } from '@/testing/fixtures';
import { organiserStoreFixture } from '@/testing/organiser-store';
import { dynamoDbClient } from '../aws/clients';
import { LOCAL_REGION } from '../local/emulators';
import { BatchedGets } from './batched-gets';
import { StoreTable } from './table';

const db = dynamoDbFixture();
const store = organiserStoreFixture(db);

/** The store's table, with a count of the BatchGetItem calls it sends from now on. */
function countedTable(): { table: StoreTable; batchGets: () => number } {
  const table = store().table;
  let calls = 0;
  table.documents.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'BatchGetItemCommand') calls += 1;
      return next(args);
    },
    { step: 'initialize', name: `count-batch-gets-${Math.random()}` },
  );
  return { table, batchGets: () => calls };
}

describe('gathered reads', () => {
  it('answers the reads asked within the window from one BatchGetItem, each its own record or null', async () => {
    const { table, batchGets } = countedTable();
    await table.put({ pk: 'GATHERED', sk: 'a' }, { value: 1 });
    await table.put({ pk: 'GATHERED', sk: 'b' }, { value: 2 });
    const gets = new BatchedGets(table, 100);
    const before = batchGets();
    const answers = await Promise.all([
      gets.get({ pk: 'GATHERED', sk: 'b' }),
      gets.get({ pk: 'GATHERED', sk: 'missing' }),
      gets.get({ pk: 'GATHERED', sk: 'a' }),
      gets.get({ pk: 'GATHERED', sk: 'a' }),
    ]);
    expect(answers).toEqual([{ value: 2 }, null, { value: 1 }, { value: 1 }]);
    expect(batchGets() - before).toBe(1);

    await table.put({ pk: 'GATHERED', sk: 'a' }, { value: 3 });
    expect(await gets.get({ pk: 'GATHERED', sk: 'a' })).toEqual({ value: 3 });
    expect(batchGets() - before).toBe(2);
  });

  it('reads more than 100 keys in calls of 100, in the order asked', async () => {
    const { table, batchGets } = countedTable();
    const keys = Array.from({ length: 150 }, (_, index) => ({ pk: 'MANY', sk: String(index).padStart(3, '0') }));
    await Promise.all(keys.filter((_, index) => index % 2 === 0).map((key, index) => table.put(key, { index: index * 2 })));
    const before = batchGets();
    const records = await table.getMany<{ index: number }>(keys);
    expect(records.map((record) => record?.index ?? null)).toEqual(keys.map((_, index) => (index % 2 === 0 ? index : null)));
    expect(batchGets() - before).toBe(2);
  });

  it('fails every read that waited on a call that failed', async () => {
    const gets = new BatchedGets(new StoreTable(dynamoDbClient({ region: LOCAL_REGION, dynamodbEndpoint: db().endpoint }), 'no-such-table'), 10);
    const reads = [gets.get({ pk: 'X', sk: '1' }), gets.get({ pk: 'X', sk: '2' })];
    for (const read of reads) await expect(read).rejects.toThrow(/non-existent table|not found|ResourceNotFound/i);
  });
});
