/** GET /api/agent/rounds/next?after=<n>&waitSeconds=<0–25>: the team's open round, or 204 after holding the request. */
import { nextRoundQuerySchema } from '@/lib/api/agent-schemas';
import { parseQuery } from '@/lib/api/http';
import { agentRoute } from '@/lib/api/routes';

export const dynamic = 'force-dynamic';

export function GET(request: Request) {
  return agentRoute(request, ({ agents }, team) => {
    const { after, waitSeconds } = parseQuery(request, nextRoundQuerySchema);
    return agents.nextRound(team, after, waitSeconds, request.signal);
  });
}
