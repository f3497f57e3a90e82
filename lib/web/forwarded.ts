/**
 * Where a request came from: the connection's own address and scheme, or, behind `trustedProxies`
 * reverse proxies, what the nearest of them says in X-Forwarded-For and X-Forwarded-Proto. Each
 * proxy appends the address it saw, so the client is the entry `trustedProxies` hops from the
 * right; entries further left are whatever the client wrote and are never believed.
 */

export interface Origin {
  address: string;
  proto: 'http' | 'https';
}

function listOf(header: string | string[] | undefined): string[] {
  const joined = Array.isArray(header) ? header.join(',') : (header ?? '');
  return joined
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** The value `hops` entries from the right of a header list (the nearest trusted proxy's is 1), or the leftmost when shorter. */
function fromRight(values: string[], hops: number): string | undefined {
  return values[Math.max(0, values.length - hops)];
}

export function originOf(
  connection: { remoteAddress: string | undefined; encrypted: boolean },
  headers: Readonly<Record<string, string | string[] | undefined>>,
  trustedProxies: number,
): Origin {
  const own: Origin = { address: connection.remoteAddress ?? 'unknown', proto: connection.encrypted ? 'https' : 'http' };
  if (trustedProxies === 0) return own;
  const address = fromRight(listOf(headers['x-forwarded-for']), trustedProxies) ?? own.address;
  const proto = fromRight(listOf(headers['x-forwarded-proto']), trustedProxies)?.toLowerCase();
  return { address, proto: proto === 'https' ? 'https' : proto === 'http' ? 'http' : own.proto };
}
