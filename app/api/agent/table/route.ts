/** PUT /api/agent/table: the team's AggregateTable values as its agent read them (on change, at most every 250 ms). */
import { tableSchema } from '@/lib/api/agent-schemas';
import { parseBody } from '@/lib/api/http';
import { agentRoute } from '@/lib/api/routes';

export const dynamic = 'force-dynamic';

export function PUT(request: Request) {
  return agentRoute(request, async ({ agents }, team) => agents.table(team, await parseBody(request, tableSchema)));
}
