/** POST /api/admin/announcement { text }: show an announcement on every screen. DELETE: take it down. */
import { json, parseBody } from '@/lib/api/http';
import { organiserRoute } from '@/lib/api/routes';
import { announcementSchema } from '@/lib/api/schemas';

export const dynamic = 'force-dynamic';

export function POST(request: Request) {
  return organiserRoute(request, async ({ actions }) => json({ settings: await actions.announce(await parseBody(request, announcementSchema)) }));
}

export function DELETE(request: Request) {
  return organiserRoute(request, async ({ actions }) => json({ settings: await actions.announce({ text: '' }) }));
}
