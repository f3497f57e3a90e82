/** POST /api/agent/rounds/{n}/start: the agent read its baseline and is about to send (the first startId wins). */
import { roundNumberSchema, startSchema } from '@/lib/api/agent-schemas';
import { parseBody, parseParam } from '@/lib/api/http';
import { agentRoute, type RoundNumberContext } from '@/lib/api/routes';

export const dynamic = 'force-dynamic';

export function POST(request: Request, context: RoundNumberContext) {
  return agentRoute(request, async ({ agents }, team) =>
    agents.start(team, parseParam('number', (await context.params).number, roundNumberSchema), await parseBody(request, startSchema)),
  );
}
