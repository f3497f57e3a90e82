/** Unit tests of the Map math (pre-aggregating StateTable stream records) and of the Reduce sum. */
import { describe, expect, it } from 'vitest';
import { AGGREGATION_KEYS, type Hierarchy, LEAF_KEYS, REGIONS, RISK_TYPES, TRADE_DESKS } from '../../lib/domain/hierarchy';
import { Big, centsToDecimal } from '../../lib/domain/money';
import { imageOf, insertRecord, modifyRecord, reduceInsertRecord, removeRecord } from '../testing/stream-records';
import { seededRandom } from './failure-injection';
import { preAggregateBatch, reduceTableItem, type StreamImage, tradeOfImage } from './map-math';
import { aggregateUpdates, sumReduceBatch } from './reduce-math';

/** A StateTable image as DynamoDB returns it (numbers with trailing zeros trimmed). */
function stateImage(id: string, value: string, hierarchy: Hierarchy, version = 0): StreamImage {
  return {
    id: { S: id },
    Value: { N: new Big(value).toString() },
    Version: { N: String(version) },
    Hierarchy: { S: JSON.stringify({ Region: hierarchy.Region, RiskType: hierarchy.RiskType, TradeDesk: hierarchy.TradeDesk }) },
    Timestamp: { N: '1700000000.123' },
  };
}

const pvSpotEmea: Hierarchy = { RiskType: 'PV', Region: 'EMEA', TradeDesk: 'FXSpot' };
const pvOptionsApac: Hierarchy = { RiskType: 'PV', Region: 'APAC', TradeDesk: 'FXOptions' };
const deltaSpotAmer: Hierarchy = { RiskType: 'Delta', Region: 'AMER', TradeDesk: 'FXSpot' };

describe('tradeOfImage', () => {
  it('reads the leaf (RiskType:TradeDesk:Region) and the exact value in cents', () => {
    expect(tradeOfImage(stateImage('a', '12.30', pvOptionsApac))).toEqual({ leaf: 'PV:FXOptions:APAC', cents: 1230 });
  });

  it('names the item when its Hierarchy is unusable', () => {
    const image = { ...stateImage('trade-7', '1', pvSpotEmea), Hierarchy: { S: '{"RiskType":"PV"}' } };
    expect(() => tradeOfImage(image)).toThrow(/trade-7.*unknown Hierarchy/);
  });
});

describe('preAggregateBatch', () => {
  it('adds inserts to their leaves, rolls up, and counts messages', () => {
    const result = preAggregateBatch([
      insertRecord(stateImage('a', '100.10', pvSpotEmea)),
      insertRecord(stateImage('b', '0.05', pvSpotEmea)),
      insertRecord(stateImage('c', '20', pvOptionsApac)),
      insertRecord(stateImage('d', '7.77', deltaSpotAmer)),
    ]);
    expect(result.messageCount).toBe(4);
    expect(result.cents['PV:FXSpot:EMEA']).toBe(10015);
    expect(result.cents['PV:FXSpot']).toBe(10015);
    expect(result.cents['PV:FXOptions:APAC']).toBe(2000);
    expect(result.cents['PV:FXOptions']).toBe(2000);
    expect(result.cents.PV).toBe(12015);
    expect(result.cents['Delta:FXSpot:AMER']).toBe(777);
    expect(result.cents['Delta:FXSpot']).toBe(777);
    expect(result.cents.Delta).toBe(777);
    expect(Object.keys(result.cents).sort()).toEqual([...AGGREGATION_KEYS].sort());
    expect(result.cents['Delta:FXOptions:EMEA']).toBe(0);
  });

  it('subtracts the OldImage of a modification from the old leaf and adds the NewImage to the new one', () => {
    const before = stateImage('a', '50.00', pvSpotEmea, 0);
    const after = stateImage('a', '30.25', deltaSpotAmer, 1);
    const result = preAggregateBatch([modifyRecord(before, after)]);
    expect(result.messageCount).toBe(1);
    expect(result.cents['PV:FXSpot:EMEA']).toBe(-5000);
    expect(result.cents['PV:FXSpot']).toBe(-5000);
    expect(result.cents.PV).toBe(-5000);
    expect(result.cents['Delta:FXSpot:AMER']).toBe(3025);
    expect(result.cents.Delta).toBe(3025);
  });

  it('nets an insert and a later modification of the same trade in one batch to the newest value', () => {
    const v0 = stateImage('a', '10.00', pvSpotEmea, 0);
    const v1 = stateImage('a', '4.50', pvOptionsApac, 1);
    const result = preAggregateBatch([insertRecord(v0), modifyRecord(v0, v1)]);
    expect(result.cents['PV:FXSpot:EMEA']).toBe(0);
    expect(result.cents['PV:FXOptions:APAC']).toBe(450);
    expect(result.cents.PV).toBe(450);
    expect(result.messageCount).toBe(2);
  });

  it('only subtracts for a batch of removes, and counts no message', () => {
    const result = preAggregateBatch([removeRecord(stateImage('a', '1.01', pvSpotEmea)), removeRecord(stateImage('b', '2.02', deltaSpotAmer))]);
    expect(result.messageCount).toBe(0);
    expect(result.cents['PV:FXSpot:EMEA']).toBe(-101);
    expect(result.cents.PV).toBe(-101);
    expect(result.cents['Delta:FXSpot:AMER']).toBe(-202);
    expect(result.cents.Delta).toBe(-202);
    expect(Object.values(result.cents).filter((cents) => cents > 0)).toEqual([]);
  });

  it('writes the ReduceTable item with exact decimal strings', () => {
    const item = reduceTableItem(
      'hash-1',
      preAggregateBatch([insertRecord(stateImage('a', '0.10', pvSpotEmea)), insertRecord(stateImage('b', '0.20', pvSpotEmea))]),
    );
    expect(item.MessageId).toEqual({ S: 'hash-1' });
    expect(item['PV:FXSpot:EMEA']).toEqual({ N: '0.30' });
    expect(item.PV).toEqual({ N: '0.30' });
    expect(item.Delta).toEqual({ N: '0.00' });
    expect(item.message_count).toEqual({ N: '2' });
  });
});

describe('exactness over a 10,000-message round', () => {
  it('Map then Reduce land to the cent where a float sum would drift', () => {
    const random = seededRandom('map-math-exactness');
    const expected: Record<string, bigint> = Object.fromEntries(LEAF_KEYS.map((leaf) => [leaf, 0n]));
    const records = [];
    let floatTotal = 0;
    for (let index = 0; index < 10_000; index++) {
      const cents = Math.floor(random() * 10_000_001);
      const hierarchy: Hierarchy = {
        RiskType: RISK_TYPES[Math.floor(random() * RISK_TYPES.length)]!,
        Region: REGIONS[Math.floor(random() * REGIONS.length)]!,
        TradeDesk: TRADE_DESKS[Math.floor(random() * TRADE_DESKS.length)]!,
      };
      const value = centsToDecimal(cents);
      floatTotal += Number(value);
      const leaf = `${hierarchy.RiskType}:${hierarchy.TradeDesk}:${hierarchy.Region}`;
      expected[leaf] = (expected[leaf] ?? 0n) + BigInt(cents);
      records.push(insertRecord(stateImage(`trade-${index}`, value, hierarchy)));
    }

    // Map in batches of 1,000, each batch one ReduceTable item; Reduce sums the items.
    const reduceRecords = [];
    for (let start = 0; start < records.length; start += 1000) {
      const preAggregate = preAggregateBatch(records.slice(start, start + 1000));
      reduceRecords.push(reduceInsertRecord(imageOf(reduceTableItem(`batch-${start}`, preAggregate))));
    }
    const { total, items } = sumReduceBatch(reduceRecords);
    expect(items).toBe(10);
    expect(total.messageCount).toBe(10_000);

    const grandTotal = Object.values(expected).reduce((sum, cents) => sum + cents, 0n);
    for (const leaf of LEAF_KEYS) expect(BigInt(total.cents[leaf] ?? Number.NaN)).toBe(expected[leaf]);
    expect(BigInt((total.cents.PV ?? Number.NaN) + (total.cents.Delta ?? Number.NaN))).toBe(grandTotal);

    const updates = aggregateUpdates('AggregateTable', total);
    const written = Object.fromEntries(updates.map((update) => [update.Update?.Key?.Identifier?.S, update.Update?.ExpressionAttributeValues?.[':delta']?.N]));
    const writtenGrandTotal = new Big(written.PV as string).plus(written.Delta as string);
    expect(writtenGrandTotal.toFixed(2)).toBe(new Big(grandTotal.toString()).div(100).toFixed(2));
    // The float sum of the same values is not exact (this is why the pipeline sums in cents).
    expect(floatTotal.toFixed(10)).not.toBe(writtenGrandTotal.toFixed(10));
  });
});

describe('sumReduceBatch and aggregateUpdates', () => {
  it('ignores records without a NewImage and writes 18 keys plus message_count, in a fixed order', () => {
    const first = preAggregateBatch([insertRecord(stateImage('a', '1.10', pvSpotEmea))]);
    const second = preAggregateBatch([insertRecord(stateImage('b', '2.20', pvSpotEmea)), insertRecord(stateImage('c', '3', deltaSpotAmer))]);
    const removed = { ...reduceInsertRecord(imageOf(reduceTableItem('x', first))), eventName: 'REMOVE' as const };
    delete removed.dynamodb?.NewImage;
    const sum = sumReduceBatch([
      reduceInsertRecord(imageOf(reduceTableItem('m1', first))),
      removed,
      reduceInsertRecord(imageOf(reduceTableItem('m2', second))),
    ]);
    expect(sum.items).toBe(2);
    expect(sum.total.messageCount).toBe(3);
    const updates = aggregateUpdates('Totals', sum.total);
    expect(updates).toHaveLength(19);
    expect(updates.map((update) => update.Update?.Key?.Identifier?.S)).toEqual([...AGGREGATION_KEYS, 'message_count']);
    expect(updates[0]?.Update).toMatchObject({
      TableName: 'Totals',
      UpdateExpression: 'ADD #Value :delta',
      ExpressionAttributeNames: { '#Value': 'Value' },
      ExpressionAttributeValues: { ':delta': { N: '3.30' } },
    });
    expect(updates[18]?.Update?.ExpressionAttributeValues).toEqual({ ':delta': { N: '3' } });
  });
});
