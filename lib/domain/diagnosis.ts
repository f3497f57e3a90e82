/**
 * Diagnosis of a failed round (docs/game.md, "Diagnosis"): compares the observed change of a team's
 * AggregateTable with what each known bug would produce from the messages the generator sent, and
 * names the bug in a sentence a participant understands, with the workshop step that fixes it.
 */
import type { Diagnosis, Lab } from '../store/types';
import { AGGREGATION_KEYS, type CentsByKey, LEAF_KEYS, leafKey, MIDDLE_KEYS, ROOT_KEYS } from './hierarchy';
import { type RiskMessage, serialiseMessage } from './message';
import { centsToDecimal, toCents } from './money';
import { changeOf, type TableValues, unusableKeys } from './verdict';

/** One distinct message the generator sent for a trade. */
export interface SentVersion {
  version: number;
  cents: number;
  leaf: string;
}

/** What the diagnosis keeps of a round's messages. */
export interface RoundFacts {
  /** Trades sent as more than one distinct message: their messages in send order (exact copies removed). */
  modifiedTrades: SentVersion[][];
  /** Per leaf, what the deliberate duplicate records add if they are counted again. */
  duplicateCents: CentsByKey;
  /** One message's worth: the mean Value of the distinct messages sent, in cents. */
  meanMessageCents: number;
}

export interface DiagnosisInput {
  lab: Lab;
  /** The expected change (all 18 keys, cents). */
  expected: Readonly<CentsByKey>;
  /** The table before the round and at its end (absent when the final read failed). */
  baseline?: TableValues;
  after?: TableValues;
  /**
   * Why the table could not be read (kind as classified by the reader, e.g. 'missing-table'), or
   * `offline`: a remote team's machine could not play the round (not connected, too late, or the
   * burst not sent; room mode, docs/room.md), in words that follow "Your machine was not connected: ".
   */
  readFailure?: { kind: string; message: string };
  /** Whether the table was still changing when the deadline passed. */
  stillChanging: boolean;
  facts: RoundFacts;
}

export const LAB_1 = 'Lab 1';
export const LAB_2_STEP_1 = 'Lab 2, step 1';
export const LAB_2_STEP_2 = 'Lab 2, step 2';

/** A sign counts as dominant when the other sign totals at most this fraction of it. */
const DOMINANCE = 0.1;

// ---- facts ----

/** Builds the facts of a round from its messages in send order (exact copies are the duplicates). */
export function roundFacts(messagesInSendOrder: Iterable<RiskMessage>): RoundFacts {
  const seen = new Set<string>();
  const byTrade = new Map<string, SentVersion[]>();
  const duplicateCents: CentsByKey = {};
  let distinct = 0;
  let totalCents = 0;
  for (const message of messagesInSendOrder) {
    const cents = toCents(message.Value);
    const leaf = leafKey(message.Hierarchy);
    const bytes = serialiseMessage(message);
    if (seen.has(bytes)) {
      duplicateCents[leaf] = (duplicateCents[leaf] ?? 0) + cents;
      continue;
    }
    seen.add(bytes);
    distinct += 1;
    totalCents += cents;
    const versions = byTrade.get(message.TradeID);
    const version: SentVersion = { version: message.Version, cents, leaf };
    if (versions) versions.push(version);
    else byTrade.set(message.TradeID, [version]);
  }
  return {
    modifiedTrades: [...byTrade.values()].filter((versions) => versions.length > 1),
    duplicateCents,
    meanMessageCents: distinct ? totalCents / distinct : 0,
  };
}

// ---- vectors over the 12 leaves ----

type LeafVector = number[];

const vectorKey = (vector: LeafVector) => vector.join(',');
const isZero = (vector: LeafVector) => vector.every((value) => value === 0);
// Every LeafVector has one entry per leaf, so `b[index]` exists wherever `a[index]` does.
const minus = (a: LeafVector, b: LeafVector) => a.map((value, index) => value - b[index]!);

function leafVector(cents: Readonly<CentsByKey>): LeafVector {
  return LEAF_KEYS.map((leaf) => cents[leaf] ?? 0);
}

/** The newest message of a trade: highest version, the first one sent on a tie. */
function newestOf(versions: readonly SentVersion[]): SentVersion {
  return versions.reduce((newest, candidate) => (candidate.version > newest.version ? candidate : newest));
}

/** How a trade's totals move when `final` is what the table holds instead of the newest version. */
function staleContribution(versions: readonly SentVersion[], final: SentVersion): LeafVector {
  const newest = newestOf(versions);
  return LEAF_KEYS.map((leaf) => (leaf === final.leaf ? final.cents : 0) - (leaf === newest.leaf ? newest.cents : 0));
}

// ---- exact fit of stale versions ----

/** A trade ending on `final` instead of its newest message, and how that moves the leaves. */
interface StaleOption {
  trade: number;
  final: SentVersion;
  vector: LeafVector;
}

/**
 * The largest number of options tried together at one leaf: at most 6, and few enough that the
 * subsets (at most ~2 million) rarely hit the leaf's residual to the cent by chance.
 */
function maxSubsetSize(candidates: number): number {
  let size = 1;
  let subsets = candidates;
  while (size < 6) {
    const next = (subsets * (candidates - size)) / (size + 1);
    if (next > 2_000_000) break;
    subsets = next;
    size += 1;
  }
  return size;
}
/** The exact search gives up after this much work (subsets listed and matches tried). */
const SEARCH_BUDGET = 3_000_000;

interface Budget {
  left: number;
}

/** Subsets of `options` (distinct trades, at most `size` of them) listed by their sum at one leaf. */
function subsetsBySum(options: readonly StaleOption[], leaf: number, size: number, budget: Budget): Map<number, number[][]> {
  const bySum = new Map<number, number[][]>();
  const visit = (start: number, chosen: number[], sum: number) => {
    if (chosen.length > 0) {
      budget.left -= 1;
      const list = bySum.get(sum);
      if (list) list.push([...chosen]);
      else bySum.set(sum, [[...chosen]]);
    }
    if (chosen.length === size) return;
    for (let index = start; index < options.length; index++) {
      const option = options[index]!;
      if (chosen.some((other) => options[other]!.trade === option.trade)) continue;
      chosen.push(index);
      visit(index + 1, chosen, sum + option.vector[leaf]!);
      chosen.pop();
    }
  };
  visit(0, [], 0);
  return bySum;
}

/** Every set of at most `maxSize` options (distinct trades, one or two listed subsets) whose sum at the leaf is `target`. */
function* matchingSubsets(
  options: readonly StaleOption[],
  bySum: Map<number, number[][]>,
  target: number,
  maxSize: number,
  budget: Budget,
): Generator<StaleOption[]> {
  const optionsAt = (indexes: number[]) => indexes.map((index) => options[index]!);
  for (const exact of bySum.get(target) ?? []) yield optionsAt(exact);
  for (const [sum, halves] of bySum) {
    budget.left -= 1;
    if (budget.left < 0) return;
    for (const second of bySum.get(target - sum) ?? []) {
      for (const first of halves) {
        // Each pair once: the half whose first option comes first is `first` (listed subsets are never empty).
        if (first[0]! >= second[0]! || first.length + second.length > maxSize) continue;
        const subset = optionsAt([...first, ...second]);
        if (new Set(subset.map((option) => option.trade)).size === subset.length) yield subset;
      }
    }
  }
}

/**
 * Finds trades whose ending on an older message explains `residual` exactly. Leaf by leaf (the
 * one with the fewest candidates first), it tries the sets of options whose amounts at that leaf
 * add up to the residual there. An option touching a leaf whose residual is already zero is left
 * out: with values drawn at random to the cent, amounts do not cancel by accident.
 */
function solveStale(residual: LeafVector, options: readonly StaleOption[], budget: Budget): StaleOption[] | null {
  if (isZero(residual)) return [];
  if (budget.left < 0) return null;
  const usable = options.filter((option) => option.vector.every((value, leaf) => value === 0 || residual[leaf] !== 0));
  let bestLeaf = -1;
  let bestResidual = 0;
  let bestCandidates: StaleOption[] = [];
  for (const [leaf, value] of residual.entries()) {
    if (value === 0) continue;
    const candidates = usable.filter((option) => option.vector[leaf] !== 0);
    if (bestLeaf === -1 || candidates.length < bestCandidates.length) {
      bestLeaf = leaf;
      bestResidual = value;
      bestCandidates = candidates;
    }
  }
  if (bestCandidates.length === 0) return null;
  const maxSize = maxSubsetSize(bestCandidates.length);
  const bySum = subsetsBySum(bestCandidates, bestLeaf, Math.ceil(maxSize / 2), budget);
  for (const subset of matchingSubsets(bestCandidates, bySum, bestResidual, maxSize, budget)) {
    const trades = new Set(subset.map((option) => option.trade));
    const rest = subset.reduce((vector, option) => minus(vector, option.vector), residual);
    const solution = solveStale(
      rest,
      usable.filter((option) => !trades.has(option.trade)),
      budget,
    );
    if (solution) return [...subset, ...solution];
    if (budget.left < 0) return null;
  }
  return null;
}

/** Every way each modified trade could end on a message other than its newest. */
function staleOptions(trades: readonly SentVersion[][]): StaleOption[] {
  return trades.flatMap((versions, trade) =>
    versions.map((final) => ({ trade, final, vector: staleContribution(versions, final) })).filter((option) => !isZero(option.vector)),
  );
}

/**
 * Whether the leaf deltas are exactly what stale versions overwriting newer ones give: some
 * modified trades ending on one of their older (or out-of-order) messages instead of the newest.
 * Returns how many trades ended stale, or null when no such explanation was found.
 */
export function staleVersionsFit(delta: LeafVector, trades: readonly SentVersion[][]): number | null {
  if (isZero(delta)) return null;
  const solution = solveStale(delta, staleOptions(trades), { left: SEARCH_BUDGET });
  return solution ? solution.length : null;
}

/** Whether every leaf delta lies within what some choice of stale versions could produce. */
function withinStaleBounds(delta: LeafVector, trades: readonly SentVersion[][]): boolean {
  if (trades.length === 0) return false;
  const contributions = trades.map((versions) => versions.map((final) => staleContribution(versions, final)));
  return delta.every((value, leaf) => {
    let low = 0;
    let high = 0;
    for (const options of contributions) {
      const atLeaf = options.map((option) => option[leaf]!);
      low += Math.min(0, ...atLeaf);
      high += Math.max(0, ...atLeaf);
    }
    return value >= low && value <= high;
  });
}

// ---- wording ----

function signedAmount(cents: number): string {
  const text = centsToDecimal(Math.abs(cents));
  return cents < 0 ? `−${text}` : `+${text}`;
}

function messagesWorth(cents: number, facts: RoundFacts): string {
  const count = facts.meanMessageCents > 0 ? Math.round(Math.abs(cents) / facts.meanMessageCents) : 0;
  if (count === 0) return "less than one message's worth";
  return `about ${count.toLocaleString('en-US')} message${count === 1 ? "'s" : "s'"} worth`;
}

function observedChangeCents(baseline: TableValues, after: TableValues): CentsByKey {
  return Object.fromEntries(AGGREGATION_KEYS.map((key) => [key, changeOf(baseline, after, key).times(100).round(0).toNumber()]));
}

const CHILDREN: ReadonlyArray<[parent: string, children: readonly string[]]> = [
  ...MIDDLE_KEYS.map((middle): [string, string[]] => [middle, LEAF_KEYS.filter((leaf) => leaf.startsWith(`${middle}:`))]),
  ...ROOT_KEYS.map((root): [string, string[]] => [root, MIDDLE_KEYS.filter((middle) => middle.startsWith(`${root}:`))]),
];

/** The first parent whose change differs from the sum of its children's changes. */
function brokenRollUp(observed: Readonly<CentsByKey>): { parent: string; parentCents: number; childrenCents: number } | null {
  for (const [parent, children] of CHILDREN) {
    const childrenCents = children.reduce((sum, child) => sum + (observed[child] ?? 0), 0);
    const parentCents = observed[parent] ?? 0;
    if (childrenCents !== parentCents) return { parent, parentCents, childrenCents };
  }
  return null;
}

const KEY_SHAPE =
  'Every message adds to its leaf RiskType:TradeDesk:Region (in that order, e.g. PV:FXSpot:EMEA), to its middle node RiskType:TradeDesk and to its root RiskType.';

function readFailureDiagnosis(failure: { kind: string; message: string }): Diagnosis {
  if (failure.kind === 'offline') {
    return {
      code: 'offline',
      message: `Your machine was not connected: ${failure.message}. Keep npm start -- --join running on your laptop; its terminal says why it stopped.`,
    };
  }
  if (failure.kind === 'missing-table') {
    return {
      code: 'missing-table',
      message: `${capitalise(failure.message)}: the round had nowhere to land. Deploy the pipeline's tables (or ask the organiser to check your team's resource names).`,
      labStep: LAB_1,
    };
  }
  if (failure.kind === 'access-denied') {
    return {
      code: 'access-denied',
      message: `${capitalise(failure.message)}. The scoreboard's role needs to read your AggregateTable and ParameterTable and to put records on your stream: check the role and its trust policy (external ID).`,
      labStep: LAB_1,
    };
  }
  return { code: 'unknown', message: `Your AggregateTable could not be read at the end of the round: ${failure.message}.` };
}

/** A scored key holding something that cannot be totalled, at the round's end or at its start. */
function badValueDiagnosis(baseline: TableValues, after: TableValues): Diagnosis | null {
  const atEnd = unusableKeys(after);
  const atStart = unusableKeys(baseline);
  const [key, holds] = atEnd[0] ?? atStart[0] ?? [];
  if (key === undefined || holds === undefined) return null;
  const others = new Set([...atEnd, ...atStart].map(([other]) => other)).size - 1;
  const when = atEnd.length > 0 ? '' : ' when the round started';
  return {
    code: 'bad-value',
    message: `Your AggregateTable's key ${key} held ${holds}${when}${others > 0 ? ` (and ${others} more key${others === 1 ? '' : 's'} like it)` : ''}. Each of the 18 keys must hold its total as a number (Value, a DynamoDB number with at most 2 decimals): fix how Reduce writes it, and fix or delete the item.`,
    labStep: LAB_1,
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// ---- the diagnosis ----

/** Names the most likely reason a round failed. */
export function diagnose(input: DiagnosisInput): Diagnosis {
  const { facts, lab } = input;
  if (input.readFailure) return readFailureDiagnosis(input.readFailure);
  if (!input.baseline || !input.after) return { code: 'unknown', message: 'Your AggregateTable could not be read at the end of the round.' };
  const badValue = badValueDiagnosis(input.baseline, input.after);
  if (badValue) return badValue;

  const observed = observedChangeCents(input.baseline, input.after);
  if (AGGREGATION_KEYS.every((key) => observed[key] === 0)) {
    return {
      code: 'no-change',
      message:
        'Nothing arrived: your AggregateTable did not change during the round. Is State connected to the stream (its Kinesis trigger), and is Reduce connected to the ReduceTable stream with permission to update the AggregateTable?',
      labStep: LAB_1,
    };
  }

  const broken = input.stillChanging ? null : brokenRollUp(observed);
  if (broken) {
    return {
      code: 'unknown',
      message: `Your totals don't add up: ${broken.parent} changed by ${signedAmount(broken.parentCents)} but its children by ${signedAmount(broken.childrenCents)} in all. ${KEY_SHAPE}`,
    };
  }

  const delta = minus(leafVector(observed), leafVector(input.expected));
  if (isZero(delta)) {
    return { code: 'unknown', message: `Every leaf total is right but some parent totals are not. ${KEY_SHAPE}` };
  }

  const staleTrades = staleVersionsFit(delta, facts.modifiedTrades);
  if (staleTrades !== null) {
    return {
      code: 'stale-versions',
      message: `The totals match exactly what you get when older versions overwrite newer ones: ${staleTrades} trade${staleTrades === 1 ? '' : 's'} ended on a stale version. State must skip a message whose Version is not newer than the one it holds.`,
      labStep: LAB_2_STEP_1,
    };
  }

  const duplicates = leafVector(facts.duplicateCents);
  if (!isZero(duplicates) && vectorKey(delta) === vectorKey(duplicates)) {
    return {
      code: 'double-applied',
      message: `The totals are over by exactly the round's duplicate messages (${signedAmount(duplicates.reduce((a, b) => a + b, 0))}): every exact copy was counted again. State must skip a message it already holds (same TradeID and Version).`,
      labStep: LAB_2_STEP_1,
    };
  }

  const over = delta.reduce((sum, value) => sum + Math.max(value, 0), 0);
  const short = delta.reduce((sum, value) => sum + Math.max(-value, 0), 0);
  const net = over - short;

  if (over <= DOMINANCE * short) {
    if (input.stillChanging) {
      return {
        code: 'partial',
        message: `The totals are short by ${messagesWorth(net, facts)} (${signedAmount(net)}) and your AggregateTable was still changing at the deadline: messages arrived late. Your pipeline is too slow for the round, or was catching up after errors: look for failing or retried invocations in your functions' logs.`,
      };
    }
    return {
      code: 'partial',
      message: `The totals are short by ${messagesWorth(net, facts)} (${signedAmount(net)}) and your AggregateTable had stopped changing: messages were lost. A function that skips records or swallows an error loses messages${lab === 2 ? ': State may skip a message only on ConditionalCheckFailedException and must rethrow any other error' : ''}.`,
      labStep: lab === 2 ? LAB_2_STEP_1 : LAB_1,
    };
  }

  if (short <= DOMINANCE * over) {
    return {
      code: 'double-applied',
      message: `The totals are over by ${messagesWorth(net, facts)} (${signedAmount(net)}): a batch was counted twice. When Reduce fails after its transaction, the retried batch is added again unless the transaction carries a ClientRequestToken derived from the batch.`,
      labStep: LAB_2_STEP_2,
    };
  }

  if (withinStaleBounds(delta, facts.modifiedTrades)) {
    return {
      code: 'stale-versions',
      message: `Some totals are over (${signedAmount(over)}) and others short (${signedAmount(-short)}) by amounts that fit trades whose older versions overwrote newer ones. State must skip a message whose Version is not newer than the one it holds.`,
      labStep: LAB_2_STEP_1,
    };
  }

  return {
    code: 'unknown',
    message: `The totals are off in a way none of the usual bugs explains: ${signedAmount(over)} over on some keys and ${signedAmount(-short)} short on others. Compare your AggregateTable with the expected totals key by key.`,
  };
}
