'use client';
/** When a page fails to render: what happened in one sentence and a way to retry, never a stack trace. */
import { Notice } from '@/components/ui';

export default function PageError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="mx-auto max-w-xl space-y-4 pt-10">
      <Notice tone="error" title="This page could not be shown">
        The scoreboard server ran into a problem while preparing it. The details are in the web app’s log (.workshop/logs/web.log when started with npm start).
      </Notice>
      <button type="button" onClick={reset} className="rounded-lg bg-slate-800 px-4 py-2 font-semibold ring-1 ring-slate-700 ring-inset hover:bg-slate-700">
        Try again
      </button>
    </div>
  );
}
