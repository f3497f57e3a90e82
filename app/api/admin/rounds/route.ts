/** POST /api/admin/rounds: start a round now for every active team, or for { "teams": [slugs] }. */
import { json, parseBody } from '@/lib/api/http';
import { organiserRoute } from '@/lib/api/routes';
import { startRoundSchema } from '@/lib/api/schemas';

export const dynamic = 'force-dynamic';

export function POST(request: Request) {
  return organiserRoute(request, async ({ actions }) => json({ command: await actions.startRound(await parseBody(request, startRoundSchema, {})) }, 202));
}
