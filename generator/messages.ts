/**
 * Making a round's messages (docs/game.md, "Messages" and "Labs and progression"): Lab 1 sends new
 * trades only; Lab 2 sends, per batch of 40, 35 fresh messages (about 3 % of them modifications of
 * a trade already sent this round) and 5 exact copies of random messages of that batch. Seeded:
 * only Timestamp follows the clock. `makeRound` makes the records and what they must add up to;
 * `roundTotals` only the latter (the organiser's side of a remote round, ~5 ms of CPU at 10,000
 * messages where `makeRound` takes ~55 ms).
 */
import type { RoundFacts, SentVersion } from '@/lib/domain/diagnosis';
import { type CentsByKey, type Hierarchy, leafKey, REGIONS, RISK_TYPES, rollUp, TRADE_DESKS } from '@/lib/domain/hierarchy';
import { partitionKeyOf, serialiseMessage } from '@/lib/domain/message';
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

/** What a round must do to the AggregateTable, and what the diagnosis needs of its messages. */
export interface RoundTotals {
  seed: number;
  lab: Lab;
  counts: RoundCounts;
  /** The expected change of all 18 keys, in cents. */
  expected: CentsByKey;
  /** What the diagnosis needs of the messages. */
  facts: RoundFacts;
}

export interface GeneratedRound extends RoundTotals {
  /** In send order, duplicates included. */
  records: StreamRecord[];
}

/** How many records of a batch are exact copies: 5 per full batch of 40, pro rata for a shorter last batch. */
export function duplicatesInBatch(lab: Lab, batchSize: number): number {
  return lab === 2 ? Math.floor((batchSize * DUPLICATES_PER_BATCH) / BATCH_SIZE) : 0;
}

function randomHierarchy(random: SeededRandom): Hierarchy {
  return { RiskType: random.pick(RISK_TYPES), Region: random.pick(REGIONS), TradeDesk: random.pick(TRADE_DESKS) };
}

/** A fresh message as drawn from the seed: which trade (by the order trades were first sent), version, value and hierarchy. */
interface Draw {
  trade: number;
  version: number;
  cents: number;
  hierarchy: Hierarchy;
}

/**
 * Draws a round from its seed, batch by batch: `onBatch` gets each batch in send order (its fresh
 * messages, then its copies, which are the same Draw objects as their originals) and how many of
 * it are fresh. `newTrade` takes a new trade's ID from the generator (making it, or skipping it).
 */
function drawRound(plan: RoundPlan, newTrade: (random: SeededRandom) => void, onBatch: (batch: readonly Draw[], fresh: number) => void): RoundCounts {
  if (!Number.isInteger(plan.messages) || plan.messages < 1) throw new RangeError(`messages must be a positive integer, got ${plan.messages}`);
  const random = new SeededRandom(plan.seed);
  const counts: RoundCounts = { messages: 0, new: 0, modifiedInOrder: 0, modifiedOutOfOrder: 0, duplicates: 0 };
  /** Per trade (by index): its newest version sent. */
  const newestVersion: number[] = [];
  // A new trade's ID, then the value, then the hierarchy: the order of the draws is what a seed reproduces.
  const valueAndHierarchy = () => ({ cents: random.int(MAX_VALUE_CENTS + 1), hierarchy: randomHierarchy(random) });
  const draw = (): Draw => {
    if (plan.lab === 2 && newestVersion.length > 0 && random.chance(MODIFICATION_PROBABILITY)) {
      const trade = random.int(newestVersion.length);
      const newest = newestVersion[trade]!;
      const version = newest === 0 ? 1 : newest - 1;
      if (version > newest) {
        newestVersion[trade] = version;
        counts.modifiedInOrder += 1;
      } else {
        counts.modifiedOutOfOrder += 1;
      }
      return { trade, version, ...valueAndHierarchy() };
    }
    const trade = newestVersion.length;
    newTrade(random);
    newestVersion.push(0);
    counts.new += 1;
    return { trade, version: 0, ...valueAndHierarchy() };
  };
  for (let start = 0; start < plan.messages; start += BATCH_SIZE) {
    const batchSize = Math.min(BATCH_SIZE, plan.messages - start);
    const duplicates = duplicatesInBatch(plan.lab, batchSize);
    const batch: Draw[] = [];
    for (let index = 0; index < batchSize - duplicates; index++) batch.push(draw());
    const fresh = batch.slice();
    for (let index = 0; index < duplicates; index++) batch.push(random.pick(fresh));
    counts.duplicates += duplicates;
    counts.messages += batchSize;
    onBatch(batch, fresh.length);
  }
  return counts;
}

/**
 * The expected totals and the diagnosis facts of a round, tallied from its draws in send order: the
 * same as `expectedTotals` and `roundFacts` (lib/domain) give for the messages sent, in integer cents
 * throughout. Every fresh message counts as distinct and exactly the copies as duplicates; the
 * domain's `roundFacts` compares bytes, Timestamp included, so it could differ only where two fresh
 * messages of one trade have the same version, value, hierarchy and millisecond.
 */
class Tally {
  /** Per trade (by index): the newest version sent and its cents and leaf. */
  private readonly newest: Array<{ version: number; cents: number; leaf: string }> = [];
  /** Per trade: its distinct messages in send order. */
  private readonly versions: SentVersion[][] = [];
  private readonly duplicateCents: CentsByKey = {};
  private distinct = 0;
  private totalCents = 0;

  add(batch: readonly Draw[], fresh: number): void {
    batch.forEach((draw, index) => {
      const leaf = leafKey(draw.hierarchy);
      if (index >= fresh) {
        this.duplicateCents[leaf] = (this.duplicateCents[leaf] ?? 0) + draw.cents;
        return;
      }
      this.distinct += 1;
      this.totalCents += draw.cents;
      const version: SentVersion = { version: draw.version, cents: draw.cents, leaf };
      const sent = this.versions[draw.trade];
      if (sent) sent.push(version);
      else this.versions[draw.trade] = [version];
      const newest = this.newest[draw.trade];
      if (!newest || draw.version > newest.version) this.newest[draw.trade] = version;
    });
  }

  expected(): CentsByKey {
    const perLeaf: CentsByKey = {};
    for (const { cents, leaf } of this.newest) perLeaf[leaf] = (perLeaf[leaf] ?? 0) + cents;
    return rollUp(perLeaf);
  }

  facts(): RoundFacts {
    return {
      modifiedTrades: this.versions.filter((versions) => versions.length > 1),
      duplicateCents: this.duplicateCents,
      meanMessageCents: this.distinct ? this.totalCents / this.distinct : 0,
    };
  }
}

/**
 * What the organiser needs of a round it does not send itself (a remote team's agent makes and
 * sends the messages from the seed): its counts, expected totals and diagnosis facts, exactly as
 * `makeRound` gives them, without making the messages (no trade IDs, JSON or partition keys).
 */
export function roundTotals(plan: Omit<RoundPlan, 'now'>): RoundTotals {
  const tally = new Tally();
  const counts = drawRound(
    plan,
    (random) => random.skipUuid(),
    (batch, fresh) => tally.add(batch, fresh),
  );
  return { seed: plan.seed, lab: plan.lab, counts, expected: tally.expected(), facts: tally.facts() };
}

/** Makes the messages of one round and what they must add to the AggregateTable. */
export function makeRound(plan: RoundPlan): GeneratedRound {
  const now = plan.now ?? Date.now;
  const tally = new Tally();
  const tradeIds: string[] = [];
  const records: StreamRecord[] = [];
  const counts = drawRound(
    plan,
    (random) => tradeIds.push(random.uuid()),
    (batch, fresh) => {
      tally.add(batch, fresh);
      const made = new Map<Draw, StreamRecord>();
      for (const draw of batch) {
        let record = made.get(draw);
        if (!record) {
          const Data = serialiseMessage({
            TradeID: tradeIds[draw.trade]!,
            // cents / 100 is the double nearest the 2-decimal value, the same number JSON.parse gives for it.
            Value: draw.cents / 100,
            Version: draw.version,
            Timestamp: now() / 1000,
            Hierarchy: draw.hierarchy,
          });
          record = { Data, PartitionKey: partitionKeyOf(Data) };
          made.set(draw, record);
        }
        records.push(record);
      }
    },
  );
  return { seed: plan.seed, lab: plan.lab, records, counts, expected: tally.expected(), facts: tally.facts() };
}
