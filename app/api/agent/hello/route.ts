/** GET /api/agent/hello: who the join token's team is, the round settings and the agent's limits; marks the agent seen. */
import { AGENT_CALL_COSTS } from '@/lib/api/agent-budget';
import { helloQuerySchema } from '@/lib/api/agent-schemas';
import { parseQuery } from '@/lib/api/http';
import { agentRoute } from '@/lib/api/routes';

export const dynamic = 'force-dynamic';

export function GET(request: Request) {
  return agentRoute(request, ({ agents }, team) => agents.hello(request, team, parseQuery(request, helloQuerySchema)), AGENT_CALL_COSTS.hello);
}
