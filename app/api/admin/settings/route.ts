/** GET /api/admin/settings. PATCH: pause/resume, round interval, messages per round, deadline. */
import { json, parseBody } from '@/lib/api/http';
import { organiserRoute } from '@/lib/api/routes';
import { settingsChangesSchema } from '@/lib/api/schemas';

export const dynamic = 'force-dynamic';

export function GET(request: Request) {
  return organiserRoute(request, async ({ actions }) => json({ settings: await actions.settings() }));
}

export function PATCH(request: Request) {
  return organiserRoute(request, async ({ actions }) => json({ settings: await actions.updateSettings(await parseBody(request, settingsChangesSchema)) }));
}
