/** GET /api/admin/export/rounds: every round of every team as CSV. */
import { csv } from '@/lib/api/http';
import { organiserRoute } from '@/lib/api/routes';

export const dynamic = 'force-dynamic';

export function GET(request: Request) {
  return organiserRoute(request, async ({ actions }) => csv(await actions.roundsCsv(), 'rounds.csv'));
}
