/** GET /api/admin/teams/{slug}/token: a remote team's join token and command. POST: a new token (the old one stops working). DELETE: revoke it. */
import { json } from '@/lib/api/http';
import { joinUrl } from '@/lib/api/organiser-url';
import { organiserRoute, type SlugContext, validSlugOf } from '@/lib/api/routes';

export const dynamic = 'force-dynamic';

export function GET(request: Request, context: SlugContext) {
  return organiserRoute(request, async ({ actions, config }) =>
    json(await actions.joinCommand(await validSlugOf(context), joinUrl(request, config.PUBLIC_URL, config.PORT))),
  );
}

export function POST(request: Request, context: SlugContext) {
  return organiserRoute(request, async ({ actions, config }) =>
    json(await actions.regenerateToken(await validSlugOf(context), joinUrl(request, config.PUBLIC_URL, config.PORT))),
  );
}

export function DELETE(request: Request, context: SlugContext) {
  return organiserRoute(request, async ({ actions }) => json(await actions.revokeToken(await validSlugOf(context))));
}
