/** POST /api/admin/teams/{slug}/reset: fresh tables and stream for a local team (the supervisor restarts them). */
import { json, parseParam } from '@/lib/api/http';
import { organiserRoute } from '@/lib/api/routes';
import { slugSchema } from '@/lib/api/schemas';

export const dynamic = 'force-dynamic';

export async function POST(request: Request, { params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  return organiserRoute(request, async ({ actions }) => json({ team: await actions.resetTeam(parseParam('slug', slug, slugSchema)) }, 202));
}
