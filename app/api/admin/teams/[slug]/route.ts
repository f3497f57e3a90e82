/** PATCH /api/admin/teams/{slug}: name, active, lab override, failure percentages. DELETE: remove the team. */
import { json, parseBody } from '@/lib/api/http';
import { organiserRoute, type SlugContext, validSlugOf } from '@/lib/api/routes';
import { teamChangesSchema } from '@/lib/api/schemas';

export const dynamic = 'force-dynamic';

export function PATCH(request: Request, context: SlugContext) {
  return organiserRoute(request, async ({ actions }) =>
    json({ team: await actions.updateTeam(await validSlugOf(context), await parseBody(request, teamChangesSchema)) }),
  );
}

export function DELETE(request: Request, context: SlugContext) {
  return organiserRoute(request, async ({ actions }) => json({ removed: await actions.removeTeam(await validSlugOf(context)) }));
}
