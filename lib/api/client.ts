/**
 * Who sent a request, as the web server (lib/web/server.ts) saw it: it strips any copy of these
 * headers a client sent and sets them from the connection (or, behind TRUST_PROXY reverse proxies,
 * from X-Forwarded-For and X-Forwarded-Proto), so route handlers can trust them.
 */

/** The client's address: the connection's, or the trusted proxies' X-Forwarded-For entry. */
export const CLIENT_ADDRESS_HEADER = 'x-scoreboard-client-address';
/** `https` or `http`: how the client reached the scoreboard. */
export const CLIENT_PROTO_HEADER = 'x-scoreboard-client-proto';

/** The client's address, or `unknown` when the request did not come through the web server. */
export function clientAddressOf(request: Request): string {
  return request.headers.get(CLIENT_ADDRESS_HEADER) || 'unknown';
}

/** Whether the client reached the scoreboard over HTTPS (for the session cookie's Secure attribute). */
export function isHttps(request: Pick<Request, 'headers'>): boolean {
  return request.headers.get(CLIENT_PROTO_HEADER) === 'https';
}
