/** POST /api/admin/teams/{slug}/reset: fresh tables and stream for a local team (the supervisor restarts them). */
import { json } from '@/lib/api/http';
import { organiserRoute, type SlugContext, validSlugOf } from '@/lib/api/routes';

export const dynamic = 'force-dynamic';

export function POST(request: Request, context: SlugContext) {
  return organiserRoute(request, async ({ actions }) => json({ team: await actions.resetTeam(await validSlugOf(context)) }, 202));
}
