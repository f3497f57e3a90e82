/** GET /api/teams/{slug}/logs: the latest State, Map and Reduce log lines of a local team. */
import { served } from '@/lib/api/http';
import { publicRoute, type SlugContext, slugOf } from '@/lib/api/routes';

export const dynamic = 'force-dynamic';

export function GET(request: Request, context: SlugContext) {
  return publicRoute(async ({ reads }) => served(request, await reads.teamLogs(await slugOf(context))));
}
