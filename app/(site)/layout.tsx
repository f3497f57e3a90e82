/** Pages with the site header: standings, team pages and the organiser console. */
import Link from 'next/link';
import type { ReactNode } from 'react';

export default function SiteLayout({ children }: { children: ReactNode }) {
  return (
    <>
      <header className="border-b border-slate-800 bg-slate-950/80">
        <nav className="mx-auto flex h-14 max-w-[100rem] items-center gap-5 px-4 sm:px-6">
          <Link href="/" className="mr-auto flex items-center gap-2 font-bold tracking-tight">
            <span className="grid h-7 w-7 place-items-center rounded-lg bg-emerald-500 text-sm text-slate-950" aria-hidden>
              Σ
            </span>
            <span className="hidden sm:inline">Stream aggregation game</span>
          </Link>
          <Link href="/" className="text-sm text-slate-300 hover:text-white">
            Standings
          </Link>
          <Link href="/present" className="text-sm text-slate-300 hover:text-white">
            Presenter
          </Link>
          <Link href="/admin" className="text-sm text-slate-300 hover:text-white">
            Organiser
          </Link>
        </nav>
      </header>
      <main className="mx-auto max-w-[100rem] px-4 py-6 sm:px-6">{children}</main>
    </>
  );
}
