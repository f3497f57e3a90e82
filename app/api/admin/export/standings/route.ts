/** GET /api/admin/export/standings: the live standings as CSV. */
import { csv } from '@/lib/api/http';
import { organiserRoute } from '@/lib/api/routes';

export const dynamic = 'force-dynamic';

export function GET(request: Request) {
  return organiserRoute(request, async ({ actions }) => csv(await actions.standingsCsv(), 'standings.csv'));
}
