/**
 * The organiser's session: POST { secret } signs in (sets the httpOnly cookie; rate-limited),
 * GET says whether the caller is signed in (401 if not), DELETE signs out for good (401 unless signed in).
 */
import { json, parseBody } from '@/lib/api/http';
import { organiserRoute, publicRoute } from '@/lib/api/routes';
import { signInSchema } from '@/lib/api/schemas';
import { signIn, signOut } from '@/lib/api/session';

export const dynamic = 'force-dynamic';

export function POST(request: Request) {
  return publicRoute(async (context) => signIn(request, context, await parseBody(request, signInSchema)));
}

export function GET(request: Request) {
  return organiserRoute(request, async () => json({ organiser: true }));
}

export function DELETE(request: Request) {
  return organiserRoute(request, (context) => signOut(request, context));
}
