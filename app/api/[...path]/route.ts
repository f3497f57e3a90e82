/** Any unknown path under /api: 404 in JSON. */
import { json } from '@/lib/api/http';

export const dynamic = 'force-dynamic';

function unknownRoute(request: Request) {
  return json({ error: `no endpoint ${request.method} ${new URL(request.url).pathname}; see docs/api.md` }, 404);
}

export { unknownRoute as GET, unknownRoute as POST, unknownRoute as PUT, unknownRoute as PATCH, unknownRoute as DELETE };
