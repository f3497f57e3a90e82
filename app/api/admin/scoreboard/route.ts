/** GET /api/admin/scoreboard: the live standings and every team's settings, for the organiser. */
import { served } from '@/lib/api/http';
import { organiserRoute } from '@/lib/api/routes';

export const dynamic = 'force-dynamic';

export function GET(request: Request) {
  return organiserRoute(request, async ({ actions }) => served(request, await actions.board(), { vary: 'cookie, authorization' }));
}
