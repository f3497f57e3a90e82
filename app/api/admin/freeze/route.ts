/** POST /api/admin/freeze { frozen }: freeze the public standings as they are now, or thaw them. */
import { json, parseBody } from '@/lib/api/http';
import { organiserRoute } from '@/lib/api/routes';
import { freezeSchema } from '@/lib/api/schemas';

export const dynamic = 'force-dynamic';

export function POST(request: Request) {
  return organiserRoute(request, async ({ actions }) => json({ settings: await actions.setFrozen(await parseBody(request, freezeSchema)) }));
}
