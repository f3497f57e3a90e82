/**
 * Expected totals of a round (docs/game.md, "Aggregation keys and totals"): per TradeID keep the
 * newest version sent, sum the values per leaf in integer cents, roll up to the middle nodes and
 * roots.
 */
import { type CentsByKey, leafKey, rollUp } from './hierarchy';
import type { RiskMessage } from './message';
import { toCents } from './money';

/** The newest version sent of every trade (highest `Version`; the first one sent wins a tie). */
export function newestVersions(messages: Iterable<RiskMessage>): Map<string, RiskMessage> {
  const newest = new Map<string, RiskMessage>();
  for (const message of messages) {
    const current = newest.get(message.TradeID);
    if (!current || message.Version > current.Version) newest.set(message.TradeID, message);
  }
  return newest;
}

/** Sums message values per leaf key, in cents. */
export function centsPerLeaf(messages: Iterable<RiskMessage>): CentsByKey {
  const sums: CentsByKey = {};
  for (const message of messages) {
    const leaf = leafKey(message.Hierarchy);
    sums[leaf] = (sums[leaf] ?? 0) + toCents(message.Value);
  }
  return sums;
}

/** The 18 totals a round must add to the AggregateTable, in cents. */
export function expectedTotals(messages: Iterable<RiskMessage>): CentsByKey {
  return rollUp(centsPerLeaf(newestVersions(messages).values()));
}
