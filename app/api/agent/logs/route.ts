/** POST /api/agent/logs: the team's function log entries, forwarded by its agent (at most 100 per call). */
import { AGENT_CALL_COSTS } from '@/lib/api/agent-budget';
import { logsSchema } from '@/lib/api/agent-schemas';
import { parseBody } from '@/lib/api/http';
import { agentRoute } from '@/lib/api/routes';

export const dynamic = 'force-dynamic';

export function POST(request: Request) {
  return agentRoute(request, async ({ agents }, team) => agents.logs(team, await parseBody(request, logsSchema)), AGENT_CALL_COSTS.logs);
}
