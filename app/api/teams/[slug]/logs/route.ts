/** GET /api/teams/{slug}/logs: the latest State, Map and Reduce log lines of a local team. */
import { HttpError, served } from '@/lib/api/http';
import { publicRoute } from '@/lib/api/routes';

export const dynamic = 'force-dynamic';

export async function GET(request: Request, { params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  return publicRoute(async ({ snapshots, logs }) => {
    const team = (await snapshots.current()).parts.teams.find((candidate) => candidate.slug === slug);
    if (!team) throw new HttpError(404, `no team with slug "${slug}"`);
    if (team.kind !== 'local') throw new HttpError(404, `team "${slug}" runs on AWS: its logs are in CloudWatch, not here`);
    return served(request, await logs.latest(slug));
  });
}
