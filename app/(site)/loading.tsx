/** Shown while a page's first data loads. */
export default function Loading() {
  return (
    <div className="space-y-3" role="status" aria-live="polite">
      <p className="text-slate-400">Loading the latest standings…</p>
      {Array.from({ length: 6 }, (_, index) => (
        <div key={index} className="h-14 animate-pulse rounded-xl bg-slate-900" />
      ))}
    </div>
  );
}
