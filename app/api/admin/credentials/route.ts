/** GET /api/admin/credentials: `{ warning }`, set when the organiser's AWS credentials expire before the event could end (AWS mode). */
import { json } from '@/lib/api/http';
import { organiserRoute } from '@/lib/api/routes';

export const dynamic = 'force-dynamic';

export function GET(request: Request) {
  return organiserRoute(request, async ({ credentials }) => json(await credentials.answer()));
}
