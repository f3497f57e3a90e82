/** Small statistics for the benchmark figures: percentiles, ratios and rounding for the table. */
import { median } from '@/lib/scoreboard/views/stats';

export { median };

/** The p-th percentile (0–100) by linear interpolation between closest ranks; null when empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  if (p < 0 || p > 100) throw new RangeError(`percentile must be within 0–100, got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  // 0 <= low <= high <= length - 1: both are indexes of the (non-empty) list.
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

/** a ÷ b, or null when either is missing or b is 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
  return a / b;
}

/** Rounds to `digits` decimals (for results.json: no float noise like 0.30000000000000004). */
export function rounded(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Milliseconds as seconds with one decimal, e.g. "12.3 s"; "—" when missing. */
export function seconds(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`;
}

/** A number with grouped thousands and at most `digits` decimals. */
export function grouped(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** Kibibytes as mebibytes, e.g. "412 MB". */
export function megabytes(kib: number | null | undefined): string {
  return kib === null || kib === undefined ? '—' : `${Math.round(kib / 1024)} MB`;
}

/** Least-squares slope of y over x (y units per x unit); null with fewer than two distinct x. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number | null {
  if (points.length < 2) return null;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  let spread = 0;
  let together = 0;
  for (const [x, y] of points) {
    spread += (x - meanX) ** 2;
    together += (x - meanX) * (y - meanY);
  }
  return spread === 0 ? null : together / spread;
}
