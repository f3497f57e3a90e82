/** GET /api/admin/teams: every team with its settings. POST: add a local, AWS or remote team (a remote one comes with its joinToken). */
import { json, parseBody } from '@/lib/api/http';
import { organiserRoute } from '@/lib/api/routes';
import { newTeamSchema } from '@/lib/api/schemas';

export const dynamic = 'force-dynamic';

export function GET(request: Request) {
  return organiserRoute(request, async ({ actions }) => json({ teams: await actions.teams() }));
}

export function POST(request: Request) {
  return organiserRoute(request, async ({ actions }) => json(await actions.addTeam(await parseBody(request, newTeamSchema)), 201));
}
