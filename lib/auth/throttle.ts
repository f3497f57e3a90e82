/**
 * Slowing down whoever sends wrong organiser secrets, per client address, without ever locking the
 * organiser out: a few wrong secrets cost nothing, then each one makes its sender wait twice as long
 * as the last (1 s, 2 s, 4 s … at most 5 minutes) before a secret from that address is compared
 * again. Other addresses are never affected, however many wrong secrets they send. An IPv6 client is
 * keyed by its /64 (one host commonly holds a whole /64), an IPv4-mapped IPv6 address as the IPv4
 * one. Memory is bounded: at most `maxClients` addresses are remembered (the least recently wrong
 * forgotten first), and an address is forgotten `forgetAfterMs` after its last wrong secret.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface ThrottleOptions {
  /** Wrong secrets an address may send before it has to wait. */
  freeFailures: number;
  /** The wait after the first wrong secret beyond the free ones; each further one doubles it. */
  firstDelayMs: number;
  maxDelayMs: number;
  forgetAfterMs: number;
  maxClients: number;
  now: () => number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = {
  freeFailures: 5,
  firstDelayMs: 1000,
  maxDelayMs: 5 * 60_000,
  forgetAfterMs: 60 * 60_000,
  maxClients: 10_000,
  now: Date.now,
};

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

interface Failures {
  count: number;
  lastAt: number;
  blockedUntil: number;
}

/** The 8 groups of an IPv6 address (embedded IPv4 tail included), or null when it is not one. */
function ipv6Groups(address: string): number[] | null {
  if (!isIPv6(address)) return null;
  let text = address;
  const ipv4Tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (ipv4Tail) {
    const [a, b, c, d] = ipv4Tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, ipv4Tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail === undefined ? [] : tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].map((group) => Number.parseInt(group, 16));
}

/** The key an address is throttled by: IPv4 as it is, IPv6 by its /64. */
export function throttleKey(address: string): string {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)?.[1];
  if (mapped && isIPv4(mapped)) return mapped;
  const groups = ipv6Groups(bare);
  if (!groups) return bare;
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

export class SecretThrottle {
  private readonly clients = new Map<string, Failures>();
  private readonly options: ThrottleOptions;

  constructor(options: Partial<ThrottleOptions> = {}) {
    this.options = { ...DEFAULT_THROTTLE, ...options };
  }

  private current(key: string): Failures | null {
    const failures = this.clients.get(key);
    if (failures && this.options.now() - failures.lastAt >= this.options.forgetAfterMs) {
      this.clients.delete(key);
      return null;
    }
    return failures ?? null;
  }

  /** Whether a secret from this address may be compared now. */
  check(address: string): ThrottleDecision {
    const failures = this.current(throttleKey(address));
    const wait = failures ? failures.blockedUntil - this.options.now() : 0;
    return wait > 0 ? { allowed: false, retryAfterMs: wait } : { allowed: true };
  }

  /** Counts a wrong secret; answers how long the address must now wait (0 while it is within the free ones). */
  recordFailure(address: string): number {
    const key = throttleKey(address);
    const now = this.options.now();
    const count = (this.current(key)?.count ?? 0) + 1;
    const beyond = count - this.options.freeFailures;
    const delay = beyond > 0 ? Math.min(this.options.maxDelayMs, this.options.firstDelayMs * 2 ** Math.min(beyond - 1, 30)) : 0;
    this.clients.delete(key);
    this.clients.set(key, { count, lastAt: now, blockedUntil: now + delay });
    for (const oldest of this.clients.keys()) {
      if (this.clients.size <= this.options.maxClients) break;
      this.clients.delete(oldest);
    }
    return delay;
  }

  /** The right secret: the address starts afresh. */
  recordSuccess(address: string): void {
    this.clients.delete(throttleKey(address));
  }

  /** Addresses remembered now (bounded by `maxClients`). */
  get size(): number {
    return this.clients.size;
  }
}
