/**
 * Wrappers that keep route handlers to one line of their own: error handling, the organiser check
 * (401/429/503 with a sentence), the context and the `{slug}` path parameter.
 */

import { AGENT_CALL_COSTS } from './agent-budget';
import { clientAddressOf } from './client';
import { type AppContext, appContext } from './context';
import { HttpError, parseParam, respond } from './http';
import { slugSchema } from './schemas';

/** The second argument Next.js passes to a handler under `[slug]`. */
export type SlugContext = { params: Promise<{ slug: string }> };

/** The `{slug}` of a public team route as given (an unknown one is a 404 later). */
export async function slugOf(context: SlugContext): Promise<string> {
  return (await context.params).slug;
}

/** The `{slug}` of an organiser team route, checked against the slug rule (400 naming it otherwise). */
export async function validSlugOf(context: SlugContext): Promise<string> {
  return parseParam('slug', (await context.params).slug, slugSchema);
}

/** Throws the right HttpError unless the request comes from the organiser. */
export async function requireOrganiser(request: Request, context: AppContext): Promise<void> {
  const result = await context.gate.authorize({
    authorization: request.headers.get('authorization'),
    cookieHeader: request.headers.get('cookie'),
    clientAddress: clientAddressOf(request),
  });
  if (!result.ok) {
    const headers: Record<string, string> = result.retryAfterSeconds ? { 'retry-after': String(result.retryAfterSeconds) } : {};
    if (result.status === 401) headers['www-authenticate'] = 'Bearer realm="organiser"';
    throw new HttpError(result.status, result.message, headers);
  }
}

/** The second argument Next.js passes to a handler under `rounds/[number]`. */
export type RoundNumberContext = { params: Promise<{ number: string }> };

/** Throws the right HttpError unless the request carries a valid join token; answers its team. */
export async function requireAgent(request: Request, context: AppContext): Promise<string> {
  const result = await context.agentGate.authorize(request.headers.get('authorization'), clientAddressOf(request));
  if (result.ok) return result.team;
  const headers: Record<string, string> = result.retryAfterSeconds ? { 'retry-after': String(result.retryAfterSeconds) } : {};
  if (result.status === 401) headers['www-authenticate'] = 'Bearer realm="agent"';
  throw new HttpError(result.status, result.message, headers);
}

/** A remote team's agent route (docs/room.md): the join token names the team, whose call budget pays `cost` before the body is read. */
export function agentRoute(
  request: Request,
  handler: (context: AppContext, team: string) => Promise<Response>,
  cost: number = AGENT_CALL_COSTS.call,
): Promise<Response> {
  return respond(async () => {
    const context = appContext();
    const team = await requireAgent(request, context);
    context.agents.charge(team, cost);
    return handler(context, team);
  });
}

/** A public route. */
export function publicRoute(handler: (context: AppContext) => Promise<Response>): Promise<Response> {
  return respond(() => handler(appContext()));
}

/** An organiser-only route. */
export function organiserRoute(request: Request, handler: (context: AppContext) => Promise<Response>): Promise<Response> {
  return respond(async () => {
    const context = appContext();
    await requireOrganiser(request, context);
    return handler(context);
  });
}
