/** POST /api/admin/teams/import: AWS teams from `cdk deploy --outputs-file` JSON (`?preview=1`: only say what would be done). */
import { parseBody } from '@/lib/api/http';
import { organiserRoute } from '@/lib/api/routes';
import { cdkOutputsSchema, importAnswer, previewRequested } from '@/lib/api/team-import';

export const dynamic = 'force-dynamic';

export function POST(request: Request) {
  return organiserRoute(request, async ({ actions }) =>
    importAnswer(await actions.importTeams(await parseBody(request, cdkOutputsSchema), previewRequested(request))),
  );
}
