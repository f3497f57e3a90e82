/** POST /api/agent/rounds/{n}/sent: the burst was sent (or could not be); idempotent. */
import { roundNumberSchema, sentSchema } from '@/lib/api/agent-schemas';
import { parseBody, parseParam } from '@/lib/api/http';
import { agentRoute, type RoundNumberContext } from '@/lib/api/routes';

export const dynamic = 'force-dynamic';

export function POST(request: Request, context: RoundNumberContext) {
  return agentRoute(request, async ({ agents }, team) =>
    agents.sent(team, parseParam('number', (await context.params).number, roundNumberSchema), await parseBody(request, sentSchema)),
  );
}
