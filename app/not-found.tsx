/** Unknown pages and teams. */
import Link from 'next/link';

export default function NotFound() {
  return (
    <main className="mx-auto max-w-xl px-6 py-24 text-center">
      <p className="text-sm font-semibold tracking-wider text-emerald-400 uppercase">404</p>
      <h1 className="mt-2 text-3xl font-bold">Nothing here</h1>
      <p className="mt-3 text-slate-400">There is no such page or team: it may have been removed by the organiser, or the address has a typo.</p>
      <Link href="/" className="mt-6 inline-block rounded-lg bg-emerald-500 px-4 py-2 font-semibold text-slate-950 hover:bg-emerald-400">
        Back to the standings
      </Link>
    </main>
  );
}
