/**
 * Wrappers that keep route handlers to one line of their own: error handling, the organiser check
 * (401/429/503 with a sentence) and the context.
 */
import { type AppContext, appContext } from './context';
import { HttpError, respond } from './http';

/** The client's address as the server saw it (Next.js fills X-Forwarded-For), for rate limiting. */
export function clientKeyOf(request: Request): string {
  return request.headers.get('x-forwarded-for')?.split(',')[0]?.trim() || 'unknown';
}

/** Throws the right HttpError unless the request comes from the organiser. */
export function requireOrganiser(request: Request, context: AppContext): void {
  const result = context.gate.authorize({
    authorization: request.headers.get('authorization'),
    cookieHeader: request.headers.get('cookie'),
    clientKey: clientKeyOf(request),
  });
  if (!result.ok) {
    const headers: Record<string, string> = result.retryAfterSeconds ? { 'retry-after': String(result.retryAfterSeconds) } : {};
    if (result.status === 401) headers['www-authenticate'] = 'Bearer realm="organiser"';
    throw new HttpError(result.status, result.message, headers);
  }
}

/** A public route. */
export function publicRoute(handler: (context: AppContext) => Promise<Response>): Promise<Response> {
  return respond(() => handler(appContext()));
}

/** An organiser-only route. */
export function organiserRoute(request: Request, handler: (context: AppContext) => Promise<Response>): Promise<Response> {
  return respond(async () => {
    const context = appContext();
    requireOrganiser(request, context);
    return handler(context);
  });
}
