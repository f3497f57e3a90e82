/** GET /api/teams/{slug}: one team's live table against the expected totals, rounds and diagnosis. */
import { served } from '@/lib/api/http';
import { publicRoute, type SlugContext, slugOf } from '@/lib/api/routes';

export const dynamic = 'force-dynamic';

export function GET(request: Request, context: SlugContext) {
  return publicRoute(async ({ reads }) => served(request, await reads.teamPage(await slugOf(context))));
}
