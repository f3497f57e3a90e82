/**
 * A team's live AggregateTable against a round (pure): per key, the change since the round's
 * baseline next to the round's expected change, with the delta and whether it matches (1e-5); or,
 * before the table can be read, what the team's resources are doing.
 */
import { AGGREGATION_KEYS, keyDepth, MESSAGE_COUNT_KEY } from '@/lib/domain/hierarchy';
import { Big } from '@/lib/domain/money';
import { changeOf, type TableValues, TOLERANCE } from '@/lib/domain/verdict';
import type { Round, Team } from '@/lib/store/types';
import type { TableRead } from './board-data';
import { isClosed, referenceRound, runningRoundOf } from './rounds';
import type { LiveKey, LiveTable } from './types';

const EMPTY: TableValues = new Map();

/** Keys in tree order with their change since `baseline` and, when known, the expected change. */
export function liveKeys(
  current: TableValues,
  baseline: Readonly<Record<string, string>> | null,
  expected: Readonly<Record<string, string>> | null,
): LiveKey[] {
  const base: TableValues = baseline ? new Map(Object.entries(baseline)) : EMPTY;
  return AGGREGATION_KEYS.map((key) => {
    const actual = changeOf(base, current, key);
    const wanted = expected ? new Big(expected[key] ?? '0') : null;
    const delta = wanted ? actual.minus(wanted) : null;
    return {
      key,
      depth: keyDepth(key),
      expected: wanted ? wanted.toFixed(2) : null,
      actual: actual.toFixed(),
      delta: delta ? delta.toFixed() : null,
      matches: delta ? delta.abs().lte(TOLERANCE) : null,
    };
  });
}

/** The informative message count since the baseline. */
export function messageCountChange(current: TableValues, baseline: Readonly<Record<string, string>> | null): string | null {
  if (!current.has(MESSAGE_COUNT_KEY)) return null;
  const base: TableValues = baseline ? new Map(Object.entries(baseline)) : EMPTY;
  return changeOf(base, current, MESSAGE_COUNT_KEY).toFixed();
}

/** Whether the scoreboard reads a team's AggregateTable itself now (a local team only once its resources run; a remote team's agent uploads it). */
export function tableReadable(team: Team): boolean {
  if (team.kind === 'aws') return true;
  if (team.kind === 'remote') return false;
  return team.local?.status === 'ready' && Boolean(team.connection.dynamodbEndpoint);
}

function resourcesState(team: Team): Pick<LiveTable, 'state' | 'message'> {
  const status = team.local?.status ?? 'starting';
  if (status === 'failed')
    return { state: 'failed', message: `The team’s local resources failed to start${team.local?.message ? `: ${team.local.message}` : ''}.` };
  if (status === 'resetting') return { state: 'starting', message: 'The team’s tables are being reset.' };
  return { state: 'starting', message: 'The team’s local DynamoDB and stream are starting.' };
}

/** What the public reads when the organiser's side could not read a team's table (the organiser's console keeps why). */
export const PUBLIC_TABLE_PROBLEM = 'The scoreboard could not read this table: something failed on the organiser’s side, not the team’s';

/** A table read as the public may see it: a failure on the organiser's side without its message (it names the team's role ARN). */
export function publicTableRead(read: TableRead | undefined): TableRead | undefined {
  return read?.error?.side === 'organiser' ? { ...read, error: { ...read.error, message: PUBLIC_TABLE_PROBLEM } } : read;
}

/**
 * A team's live table against its reference round (the newest with a baseline). `revealedThrough`
 * is set while the standings are frozen: a newer reference round is sealed, and the keys then show
 * the change without the expected totals, deltas and matches that would tell its verdict.
 */
export function liveTable(team: Team, rounds: readonly Round[], read: TableRead | undefined, revealedThrough: number | null): LiveTable {
  const reference = referenceRound(rounds);
  const sealed = reference !== null && revealedThrough !== null && reference.number > revealedThrough;
  const round = reference
    ? sealed
      ? { number: reference.number, status: 'sealed' as const, phase: null }
      : { number: reference.number, status: reference.status, phase: isClosed(reference) ? null : runningRoundOf(reference).phase }
    : null;
  const base = { round, readAt: null, keys: [], messageCount: null, matching: 0 };
  if (team.kind === 'remote') {
    if (!read?.values)
      return { ...base, state: 'waiting', message: 'Waiting for the team’s machine to send its AggregateTable (npm start -- --join on its laptop)…' };
  } else if (!tableReadable(team)) return { ...base, ...resourcesState(team) };
  if (!read || (!read.values && !read.error)) return { ...base, state: 'waiting', message: 'Reading the AggregateTable for the first time…' };
  if (!read.values) return { ...base, state: 'unreachable', message: read.error?.message ?? 'The AggregateTable could not be read.' };
  const keys = liveKeys(read.values, reference?.baseline ?? null, sealed ? null : (reference?.expected ?? null));
  return {
    state: read.error ? 'unreachable' : 'ok',
    message: read.error ? `${read.error.message} (showing the last values read)` : null,
    readAt: read.error && read.readAt ? new Date(read.readAt).toISOString() : null,
    round,
    keys,
    messageCount: messageCountChange(read.values, reference?.baseline ?? null),
    matching: keys.filter((key) => key.matches).length,
  };
}
