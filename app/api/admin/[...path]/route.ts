/** Any other path under /api/admin: 401 without the organiser's secret, else 404. */
import { HttpError } from '@/lib/api/http';
import { organiserRoute } from '@/lib/api/routes';

export const dynamic = 'force-dynamic';

function unknownRoute(request: Request) {
  return organiserRoute(request, async () => {
    throw new HttpError(404, `no organiser endpoint ${request.method} ${new URL(request.url).pathname}; see docs/api.md`);
  });
}

export { unknownRoute as GET, unknownRoute as POST, unknownRoute as PUT, unknownRoute as PATCH, unknownRoute as DELETE };
