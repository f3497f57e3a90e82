/** GET /api/teams/{slug}: one team's live table against the expected totals, rounds and diagnosis. */
import { HttpError, served } from '@/lib/api/http';
import { publicRoute } from '@/lib/api/routes';

export const dynamic = 'force-dynamic';

export async function GET(request: Request, { params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  return publicRoute(async ({ snapshots }) => {
    const view = (await snapshots.current()).team(slug);
    if (!view) throw new HttpError(404, `no team with slug "${slug}"`);
    return served(request, view);
  });
}
