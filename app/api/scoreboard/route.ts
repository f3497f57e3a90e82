/** GET /api/scoreboard: the public standings (frozen while the organiser froze them), with ETag/304. */
import { served } from '@/lib/api/http';
import { publicRoute } from '@/lib/api/routes';

export const dynamic = 'force-dynamic';

export function GET(request: Request) {
  return publicRoute(async ({ reads }) => served(request, await reads.scoreboard()));
}
