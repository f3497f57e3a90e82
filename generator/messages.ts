/**
 * Making a round's messages (docs/game.md, "Messages" and "Labs and progression"): Lab 1 sends new
 * trades only; Lab 2 sends, per batch of 40, 35 fresh messages (about 3 % of them modifications of
 * a trade already sent this round) and 5 exact copies of random messages of that batch. Seeded:
 * only Timestamp follows the clock.
 */
import { type RoundFacts, roundFacts } from '@/lib/domain/diagnosis';
import { type CentsByKey, type Hierarchy, REGIONS, RISK_TYPES, TRADE_DESKS } from '@/lib/domain/hierarchy';
import { partitionKeyOf, type RiskMessage, serialiseMessage } from '@/lib/domain/message';
import { expectedTotals } from '@/lib/domain/totals';
import type { Lab, RoundCounts } from '@/lib/store/types';
import { SeededRandom } from './random';

export const BATCH_SIZE = 40;
/** Lab 2: exact copies at the end of every full batch (one in 8 records). */
export const DUPLICATES_PER_BATCH = 5;
/** Lab 2: the share of fresh messages that modify a trade already sent this round. */
export const MODIFICATION_PROBABILITY = 0.03;
/** Values are 0.00 – 100000.00. */
const MAX_VALUE_CENTS = 10_000_000;

/** One Kinesis record, as PutRecords takes it and as the dry run writes it. */
export interface StreamRecord {
  Data: string;
  PartitionKey: string;
}

export interface RoundPlan {
  seed: number;
  lab: Lab;
  /** Records to send, duplicates included. */
  messages: number;
  /** Milliseconds since the epoch, for Timestamp (default: the clock). */
  now?: () => number;
}

export interface GeneratedRound {
  seed: number;
  lab: Lab;
  /** In send order, duplicates included. */
  records: StreamRecord[];
  counts: RoundCounts;
  /** The expected change of all 18 keys, in cents. */
  expected: CentsByKey;
  /** What the diagnosis needs of the messages. */
  facts: RoundFacts;
}

/** How many records of a batch are exact copies: 5 per full batch of 40, pro rata for a shorter last batch. */
export function duplicatesInBatch(lab: Lab, batchSize: number): number {
  return lab === 2 ? Math.floor((batchSize * DUPLICATES_PER_BATCH) / BATCH_SIZE) : 0;
}

function randomHierarchy(random: SeededRandom): Hierarchy {
  return { RiskType: random.pick(RISK_TYPES), Region: random.pick(REGIONS), TradeDesk: random.pick(TRADE_DESKS) };
}

/** Makes the messages of one round and what they must add to the AggregateTable. */
export function makeRound(plan: RoundPlan): GeneratedRound {
  if (!Number.isInteger(plan.messages) || plan.messages < 1) throw new RangeError(`messages must be a positive integer, got ${plan.messages}`);
  const random = new SeededRandom(plan.seed);
  const now = plan.now ?? Date.now;
  const counts: RoundCounts = { messages: 0, new: 0, modifiedInOrder: 0, modifiedOutOfOrder: 0, duplicates: 0 };
  const sent: RiskMessage[] = [];
  const records: StreamRecord[] = [];
  const tradeIds: string[] = [];
  const newestVersion = new Map<string, number>();

  const freshMessage = (): RiskMessage => {
    // cents / 100 is the double nearest the 2-decimal value, the same number JSON.parse gives for it.
    const hierarchyAndValue = () => ({ Value: random.int(MAX_VALUE_CENTS + 1) / 100, Hierarchy: randomHierarchy(random) });
    if (plan.lab === 2 && tradeIds.length > 0 && random.chance(MODIFICATION_PROBABILITY)) {
      const TradeID = random.pick(tradeIds);
      const newest = newestVersion.get(TradeID)!;
      const Version = newest === 0 ? 1 : newest - 1;
      if (Version > newest) {
        newestVersion.set(TradeID, Version);
        counts.modifiedInOrder += 1;
      } else {
        counts.modifiedOutOfOrder += 1;
      }
      return { TradeID, Version, Timestamp: now() / 1000, ...hierarchyAndValue() };
    }
    const TradeID = random.uuid();
    tradeIds.push(TradeID);
    newestVersion.set(TradeID, 0);
    counts.new += 1;
    return { TradeID, Version: 0, Timestamp: now() / 1000, ...hierarchyAndValue() };
  };

  for (let start = 0; start < plan.messages; start += BATCH_SIZE) {
    const batchSize = Math.min(BATCH_SIZE, plan.messages - start);
    const duplicates = duplicatesInBatch(plan.lab, batchSize);
    const batch: Array<{ message: RiskMessage; record: StreamRecord }> = [];
    for (let index = 0; index < batchSize - duplicates; index++) {
      const message = freshMessage();
      const Data = serialiseMessage(message);
      batch.push({ message, record: { Data, PartitionKey: partitionKeyOf(Data) } });
    }
    const fresh = batch.slice();
    for (let index = 0; index < duplicates; index++) batch.push(random.pick(fresh));
    counts.duplicates += duplicates;
    for (const { message, record } of batch) {
      sent.push(message);
      records.push(record);
    }
  }
  counts.messages = records.length;
  return { seed: plan.seed, lab: plan.lab, records, counts, expected: expectedTotals(sent), facts: roundFacts(sent) };
}
