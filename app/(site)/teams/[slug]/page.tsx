/** `/teams/{slug}`: one team's live AggregateTable against the expected totals, rounds, diagnosis and logs. */
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { TeamPage } from '@/components/team/TeamPage';
import { Notice } from '@/components/ui';
import { loadTeam } from '@/lib/api/pages';

export const dynamic = 'force-dynamic';

type Props = { params: Promise<{ slug: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: (await params).slug };
}

export default async function Team({ params }: Props) {
  const { slug } = await params;
  const loaded = await loadTeam(slug);
  if (loaded.problem)
    return (
      <Notice tone="error" title="The scoreboard cannot read its data">
        {loaded.problem}
      </Notice>
    );
  if (!loaded.data) notFound();
  return <TeamPage slug={slug} initial={loaded.data} />;
}
