/**
 * Formatting for the pages: durations, exact money amounts with digit grouping (decimal strings in,
 * never floats), deltas, clock times and countdowns.
 */
import Big from 'big.js';

/** "4.2 s", "42 s", "2 m 05 s"; an em dash when unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} m ${String(seconds % 60).padStart(2, '0')} s`;
}

function group(integer: string): string {
  return integer.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** An exact decimal string rounded to 2 decimals with grouped thousands: "1,234,567.89". */
export function formatAmount(value: string | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const fixed = new Big(value).toFixed(2);
  const negative = fixed.startsWith('-');
  const [integer = '0', decimals = '00'] = (negative ? fixed.slice(1) : fixed).split('.');
  return `${negative ? '−' : ''}${group(integer)}.${decimals}`;
}

/** A delta with its sign; tiny deltas (below a cent) are shown exactly so float noise is visible. */
export function formatDelta(value: string | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const delta = new Big(value);
  if (delta.eq(0)) return '0.00';
  const sign = delta.gt(0) ? '+' : '−';
  if (delta.abs().lt('0.01')) return `${sign}${delta.abs().toFixed()}`;
  return `${sign}${formatAmount(delta.abs().toFixed())}`;
}

/** A whole number with grouped thousands. */
export function formatCount(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return group(String(value));
}

/** Local clock time, e.g. "14:05:09". */
export function formatClock(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

/** "m:ss" for a countdown (never negative). */
export function formatCountdown(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
