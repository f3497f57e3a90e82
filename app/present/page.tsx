/** `/present`: the standings for a projector (full screen, large type, no scrolling). */
import type { Metadata } from 'next';
import { PresenterBoard } from '@/components/standings/PresenterBoard';
import { loadPublicBoard } from '@/lib/api/pages';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Presenter' };

export default async function PresenterPage() {
  const loaded = await loadPublicBoard();
  return <PresenterBoard initial={loaded.data} />;
}
