/**
 * The aggregation tree of the game (docs/game.md, "Aggregation keys and totals"): risk types, trade
 * desks, regions, and the 18 keys (12 leaves `RiskType:TradeDesk:Region`, 4 middle nodes
 * `RiskType:TradeDesk`, 2 roots `RiskType`).
 */

export const RISK_TYPES = ['PV', 'Delta'] as const;
export const TRADE_DESKS = ['FXSpot', 'FXOptions'] as const;
export const REGIONS = ['EMEA', 'APAC', 'AMER'] as const;

export type RiskType = (typeof RISK_TYPES)[number];
export type TradeDesk = (typeof TRADE_DESKS)[number];
export type Region = (typeof REGIONS)[number];

/** The `Hierarchy` object of a message. */
export interface Hierarchy {
  RiskType: RiskType;
  Region: Region;
  TradeDesk: TradeDesk;
}

/** The item of the AggregateTable that counts aggregated messages (informative, never scored). */
export const MESSAGE_COUNT_KEY = 'message_count';

export const ROOT_KEYS: readonly string[] = RISK_TYPES.map((riskType) => riskType);
export const MIDDLE_KEYS: readonly string[] = RISK_TYPES.flatMap((riskType) => TRADE_DESKS.map((desk) => `${riskType}:${desk}`));
export const LEAF_KEYS: readonly string[] = RISK_TYPES.flatMap((riskType) =>
  TRADE_DESKS.flatMap((desk) => REGIONS.map((region) => `${riskType}:${desk}:${region}`)),
);

/** All 18 scored keys in tree order: each root, then its middle nodes, each followed by its leaves. */
export const AGGREGATION_KEYS: readonly string[] = RISK_TYPES.flatMap((riskType) => [
  riskType,
  ...TRADE_DESKS.flatMap((desk) => [`${riskType}:${desk}`, ...REGIONS.map((region) => `${riskType}:${desk}:${region}`)]),
]);

/** Amounts per aggregation key, in integer cents. Keys absent from the object count as 0. */
export type CentsByKey = Record<string, number>;

/** The leaf key of a hierarchy: RiskType, then TradeDesk, then Region (not the field order of `Hierarchy`). */
export function leafKey(hierarchy: Hierarchy): string {
  return `${hierarchy.RiskType}:${hierarchy.TradeDesk}:${hierarchy.Region}`;
}

/** The keys a leaf contributes to: the leaf itself, its middle node and its root. */
export function keyPath(leaf: string): [leaf: string, middle: string, root: string] {
  const [riskType, desk] = leaf.split(':');
  if (riskType === undefined || desk === undefined) throw new Error(`not a leaf key: ${leaf}`);
  return [leaf, `${riskType}:${desk}`, riskType];
}

/** The depth of a key in the tree: 0 for a root, 1 for a middle node, 2 for a leaf. */
export function keyDepth(key: string): 0 | 1 | 2 {
  return (key.split(':').length - 1) as 0 | 1 | 2;
}

/** Whether a string is one of the 18 scored keys. */
export function isAggregationKey(key: string): boolean {
  return AGGREGATION_KEYS.includes(key);
}

/** Whether an object is a valid `Hierarchy` (each level one of its allowed values). */
export function isHierarchy(value: unknown): value is Hierarchy {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    (RISK_TYPES as readonly unknown[]).includes(candidate.RiskType) &&
    (TRADE_DESKS as readonly unknown[]).includes(candidate.TradeDesk) &&
    (REGIONS as readonly unknown[]).includes(candidate.Region)
  );
}

/**
 * Rolls leaf amounts up the tree: every leaf adds to itself, its middle node and its root.
 * Returns all 18 keys (zeros included). Unknown leaf keys are rejected.
 */
export function rollUp(centsByLeaf: Readonly<CentsByKey>): CentsByKey {
  const totals: CentsByKey = Object.fromEntries(AGGREGATION_KEYS.map((key) => [key, 0]));
  for (const [leaf, cents] of Object.entries(centsByLeaf)) {
    if (!LEAF_KEYS.includes(leaf)) throw new Error(`not a leaf key: ${leaf}`);
    for (const key of keyPath(leaf)) totals[key] = (totals[key] ?? 0) + cents;
  }
  return totals;
}
