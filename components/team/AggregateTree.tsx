/**
 * A team's live AggregateTable as the 3-level tree (2 roots, 4 middle nodes, 12 leaves): per key the
 * expected change of the round, the actual change since its baseline, the delta, and match/mismatch.
 */
import type { LiveKey } from '@/lib/scoreboard/views/types';
import { formatAmount, formatDelta } from '../format';

const INDENT = ['pl-1 sm:pl-2', 'pl-3 sm:pl-7', 'pl-6 sm:pl-12'] as const;
const LABEL = ['font-bold text-base', 'font-semibold', 'font-normal text-slate-300'] as const;

function label(key: string): string {
  return key.split(':').at(-1)!;
}

function StatusMark({ matches }: { matches: boolean | null }) {
  if (matches === null)
    return (
      <span className="text-slate-500" title="expected change not known yet">
        ·
      </span>
    );
  return matches ? (
    <span className="font-bold text-emerald-400" title="matches">
      ✓
    </span>
  ) : (
    <span className="font-bold text-rose-400" title="does not match">
      ✗
    </span>
  );
}

export function AggregateTree({ keys }: { keys: LiveKey[] }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-[19rem] table-fixed text-[13px] tabular-nums sm:text-sm" data-testid="aggregate-tree">
        <thead>
          <tr className="text-left text-xs tracking-wider text-slate-400 uppercase">
            <th className="w-[38%] px-2 py-2 font-medium sm:w-[34%]">Key</th>
            <th className="px-2 py-2 text-right font-medium">Expected</th>
            <th className="px-2 py-2 text-right font-medium">Actual</th>
            <th className="hidden px-2 py-2 text-right font-medium sm:table-cell">Delta</th>
            <th className="w-8 px-1 py-2 text-center font-medium sm:w-10" aria-label="match" />
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr
              key={key.key}
              data-testid="key-row"
              data-key={key.key}
              data-matches={key.matches === null ? 'unknown' : String(key.matches)}
              title={key.key}
              className={`h-9 border-t border-slate-800 ${key.matches === false ? 'bg-rose-500/10' : key.depth === 0 ? 'bg-slate-800/40' : ''}`}
            >
              <td className={`truncate px-2 ${INDENT[key.depth]} ${LABEL[key.depth]}`}>
                {key.depth > 0 && <span className="mr-1 text-slate-600 sm:mr-1.5">└</span>}
                {label(key.key)}
              </td>
              <td className="px-2 text-right text-slate-300" data-testid="expected">
                {formatAmount(key.expected)}
              </td>
              <td className={`px-2 text-right ${key.matches === false ? 'text-rose-200' : ''}`} data-testid="actual">
                {formatAmount(key.actual)}
              </td>
              <td
                className={`hidden px-2 text-right sm:table-cell ${key.matches === false ? 'font-semibold text-rose-300' : key.matches ? 'text-emerald-300/80' : 'text-slate-500'}`}
                data-testid="delta"
              >
                {formatDelta(key.delta)}
              </td>
              <td className="px-2 text-center text-base">
                <StatusMark matches={key.matches} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
