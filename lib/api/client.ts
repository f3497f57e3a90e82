/** Who sent a request, for rate limiting: the client's address as the server saw it (Next.js fills X-Forwarded-For). */
export function clientKeyOf(request: Request): string {
  return request.headers.get('x-forwarded-for')?.split(',')[0]?.trim() || 'unknown';
}
