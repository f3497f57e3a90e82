/** PATCH /api/admin/teams/{slug}: name, active, lab override, failure percentages. DELETE: remove the team. */
import { json, parseBody, parseParam } from '@/lib/api/http';
import { organiserRoute } from '@/lib/api/routes';
import { slugSchema, teamChangesSchema } from '@/lib/api/schemas';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ slug: string }> };

export async function PATCH(request: Request, { params }: Context) {
  const { slug } = await params;
  return organiserRoute(request, async ({ actions }) =>
    json({ team: await actions.updateTeam(parseParam('slug', slug, slugSchema), await parseBody(request, teamChangesSchema)) }),
  );
}

export async function DELETE(request: Request, { params }: Context) {
  const { slug } = await params;
  return organiserRoute(request, async ({ actions }) => {
    await actions.removeTeam(parseParam('slug', slug, slugSchema));
    return json({ removed: slug });
  });
}
