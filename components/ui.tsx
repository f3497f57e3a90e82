/**
 * Small building blocks shared by the pages: panels, notices that say what is going on, badges.
 */
import type { ReactNode } from 'react';

export function Panel({ title, action, children, className = '' }: { title?: ReactNode; action?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={`rounded-2xl border border-slate-800 bg-slate-900/70 p-4 sm:p-5 ${className}`}>
      {(title || action) && (
        <header className="mb-3 flex items-center justify-between gap-3">
          {title && <h2 className="text-sm font-semibold tracking-wide text-slate-300 uppercase">{title}</h2>}
          {action}
        </header>
      )}
      {children}
    </section>
  );
}

const NOTICE_STYLES = {
  info: 'border-sky-700/60 bg-sky-950/60 text-sky-100',
  warn: 'border-amber-600/60 bg-amber-950/60 text-amber-100',
  error: 'border-rose-600/60 bg-rose-950/60 text-rose-100',
  success: 'border-emerald-600/60 bg-emerald-950/60 text-emerald-100',
} as const;

export function Notice({
  tone = 'info',
  title,
  children,
  className = '',
}: {
  tone?: keyof typeof NOTICE_STYLES;
  title?: ReactNode;
  children?: ReactNode;
  className?: string;
}) {
  return (
    <div role={tone === 'error' ? 'alert' : 'status'} className={`rounded-xl border px-4 py-3 ${NOTICE_STYLES[tone]} ${className}`}>
      {title && <p className="font-semibold">{title}</p>}
      {children && <div className={title ? 'mt-1 text-sm opacity-90' : ''}>{children}</div>}
    </div>
  );
}

const BADGE_STYLES = {
  neutral: 'bg-slate-800 text-slate-200 ring-slate-700',
  lab1: 'bg-sky-900/70 text-sky-200 ring-sky-700/70',
  lab2: 'bg-violet-900/70 text-violet-200 ring-violet-700/70',
  good: 'bg-emerald-900/70 text-emerald-200 ring-emerald-700/70',
  bad: 'bg-rose-900/70 text-rose-200 ring-rose-700/70',
  busy: 'bg-amber-900/70 text-amber-200 ring-amber-700/70',
} as const;

export function Badge({ tone = 'neutral', children, title }: { tone?: keyof typeof BADGE_STYLES; children: ReactNode; title?: string }) {
  return (
    <span
      title={title}
      className={`inline-flex shrink-0 items-center rounded-md px-1.5 py-0.5 text-xs font-semibold whitespace-nowrap ring-1 ring-inset ${BADGE_STYLES[tone]}`}
    >
      {children}
    </span>
  );
}

export function LabBadge({ lab }: { lab: 1 | 2 }) {
  return <Badge tone={lab === 2 ? 'lab2' : 'lab1'}>Lab {lab}</Badge>;
}
