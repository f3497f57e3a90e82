/** GET /api/metrics: how much work the shared snapshot did (for the benchmarks). */
import { json } from '@/lib/api/http';
import { publicRoute } from '@/lib/api/routes';

export const dynamic = 'force-dynamic';

export function GET() {
  return publicRoute(async ({ reads }) => json(reads.metrics()));
}
