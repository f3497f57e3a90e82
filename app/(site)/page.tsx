/** `/`: the live standings (`/?present=1` opens presenter mode). */
import { redirect } from 'next/navigation';
import { Standings } from '@/components/standings/Standings';
import { Notice } from '@/components/ui';
import { loadPublicBoard } from '@/lib/api/pages';

export const dynamic = 'force-dynamic';

export default async function StandingsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { present } = await searchParams;
  if (present !== undefined && present !== '0') redirect('/present');
  const loaded = await loadPublicBoard();
  return (
    <div className="space-y-4">
      {loaded.problem && (
        <Notice tone="error" title="The scoreboard cannot read its data">
          {loaded.problem}
        </Notice>
      )}
      <Standings initial={loaded.data} />
    </div>
  );
}
