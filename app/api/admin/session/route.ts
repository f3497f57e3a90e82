/**
 * The organiser's session: POST { secret } signs in (sets the httpOnly cookie; rate-limited),
 * GET says whether the caller is signed in (401 if not), DELETE signs out (401 unless signed in).
 */
import { appContext } from '@/lib/api/context';
import { HttpError, json, parseBody, respond } from '@/lib/api/http';
import { clientKeyOf, organiserRoute } from '@/lib/api/routes';
import { signInSchema } from '@/lib/api/schemas';
import { clearedSessionCookie, sessionCookie } from '@/lib/api/session-cookie';

export const dynamic = 'force-dynamic';

export function POST(request: Request) {
  return respond(async () => {
    const { secret } = await parseBody(request, signInSchema);
    const result = appContext().gate.signIn(secret, clientKeyOf(request));
    if (!result.ok) throw new HttpError(result.status, result.message, result.retryAfterSeconds ? { 'retry-after': String(result.retryAfterSeconds) } : {});
    return json({ organiser: true }, 200, { 'set-cookie': sessionCookie(request, result.token!) });
  });
}

export function GET(request: Request) {
  return organiserRoute(request, async () => json({ organiser: true }));
}

export function DELETE(request: Request) {
  return organiserRoute(request, async () => json({ organiser: false }, 200, { 'set-cookie': clearedSessionCookie(request) }));
}
