'use client';
/**
 * A local team's latest State, Map and Reduce log lines (newest first), polled every 2 s: errors and
 * failed invocations in red, retried batches and warnings in amber, the handler's own output bright,
 * START/END lines dim; stacks fold open on demand.
 */
import type { LogEntry } from '@/lib/runtime/logs/log-entry';
import type { TeamLogsView } from '@/lib/scoreboard/logs';
import { formatClock } from '../format';
import { useLive } from '../live/use-live';
import { Notice, Panel } from '../ui';

const FUNCTIONS = [
  { id: 'state', title: 'State' },
  { id: 'map', title: 'Map' },
  { id: 'reduce', title: 'Reduce' },
] as const;

function isError(entry: LogEntry): boolean {
  return entry.level === 'error' || entry.outcome === 'error' || entry.outcome === 'timeout';
}

/** A batch handed to the function again after it threw (the runtime writes "(attempt n)" on START lines). */
function isRetry(entry: LogEntry): boolean {
  const attempt = /\(attempt (\d+)\)/.exec(entry.message);
  return entry.kind === 'start' && attempt !== null && Number(attempt[1]) > 1;
}

function LogLine({ entry }: { entry: LogEntry }) {
  const error = isError(entry);
  const tone = error
    ? 'bg-rose-500/15 text-rose-100 border-l-2 border-rose-500'
    : entry.level === 'warn' || isRetry(entry)
      ? 'bg-amber-500/10 text-amber-100 border-l-2 border-amber-500'
      : entry.kind === 'output'
        ? 'text-slate-200 border-l-2 border-transparent'
        : 'text-slate-500 border-l-2 border-transparent';
  return (
    <li className={`px-2 py-1 ${tone}`} data-testid="log-line" data-level={error ? 'error' : entry.level}>
      <span className="mr-2 text-slate-500">{formatClock(entry.time)}</span>
      {entry.kind === 'system' && <span className="mr-1 text-sky-400">[runtime]</span>}
      <span className="break-words whitespace-pre-wrap">{entry.message}</span>
      {entry.stack && (
        <details className="mt-1">
          <summary className="cursor-pointer text-xs text-rose-300">stack</summary>
          <pre className="mt-1 overflow-x-auto text-xs whitespace-pre text-rose-200/80">{entry.stack}</pre>
        </details>
      )}
    </li>
  );
}

export function FunctionLogs({ slug }: { slug: string }) {
  const { data, error } = useLive<TeamLogsView>(`/api/teams/${slug}/logs`, undefined, 2000);
  return (
    <Panel title="Function logs">
      {error && (
        <Notice tone="error" title="The logs could not be loaded">
          {error.message}
        </Notice>
      )}
      {data && !data.available && (
        <Notice tone="warn" title="Logs unavailable">
          {data.message}
        </Notice>
      )}
      {!data && !error && <p className="text-slate-400">Loading the latest log lines…</p>}
      {data && (
        <div className="mt-2 grid grid-cols-1 gap-3 lg:grid-cols-3">
          {FUNCTIONS.map(({ id, title }) => {
            const entries = [...data.functions[id]].reverse();
            const errors = entries.filter(isError).length;
            return (
              <div key={id} className="min-w-0 rounded-xl border border-slate-800 bg-slate-950/60" data-testid={`logs-${id}`}>
                <h3 className="flex items-center justify-between border-b border-slate-800 px-3 py-2 text-sm font-semibold">
                  {title}
                  {errors > 0 && (
                    <span className="text-xs font-semibold text-rose-300">
                      {errors} error{errors === 1 ? '' : 's'}
                    </span>
                  )}
                </h3>
                {entries.length === 0 ? (
                  <p className="px-3 py-4 text-sm text-slate-500">No invocations yet{id !== 'map' ? ' — is its trigger connected?' : '.'}</p>
                ) : (
                  <ol className="h-72 overflow-y-auto font-mono text-xs leading-relaxed">
                    {entries.map((entry) => (
                      <LogLine key={entry.id} entry={entry} />
                    ))}
                  </ol>
                )}
              </div>
            );
          })}
        </div>
      )}
    </Panel>
  );
}
