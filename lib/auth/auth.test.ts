import { describe, expect, it } from 'vitest';
import { AttemptLimiter } from './rate-limiter';
import { secretMatches } from './secret';
import { signSession, verifySession } from './session';

const SECRET = 'correct horse battery staple';

describe('secretMatches', () => {
  it('accepts the secret and rejects anything else, including prefixes and longer strings', () => {
    expect(secretMatches(SECRET, SECRET)).toBe(true);
    expect(secretMatches('correct horse', SECRET)).toBe(false);
    expect(secretMatches(`${SECRET}!`, SECRET)).toBe(false);
    expect(secretMatches('', SECRET)).toBe(false);
  });
});

describe('session tokens', () => {
  const now = Date.parse('2026-05-01T10:00:00Z');

  it('verifies a token it signed until it expires', () => {
    const token = signSession(SECRET, now, 60_000);
    expect(verifySession(token, SECRET, now + 59_999)).toBe(true);
    expect(verifySession(token, SECRET, now + 60_000)).toBe(false);
  });

  it('rejects a token signed with another secret (changing the secret signs everybody out)', () => {
    expect(verifySession(signSession('another secret value', now), SECRET, now)).toBe(false);
  });

  it('rejects a token whose expiry was extended without re-signing', () => {
    const [version, expiry, signature] = signSession(SECRET, now, 60_000).split('.');
    expect(verifySession(`${version}.${Number(expiry) + 3_600_000}.${signature}`, SECRET, now)).toBe(false);
  });

  it('rejects malformed tokens', () => {
    for (const token of ['', 'v1', 'v1.123', 'v2.99999999999.abc', 'v1.abc.def', 'v1.99999999999.', undefined, null]) {
      expect(verifySession(token, SECRET, now)).toBe(false);
    }
  });
});

describe('AttemptLimiter', () => {
  it('blocks a key after maxFailures within the window and lets it try again once the window passes', () => {
    let time = 0;
    const limiter = new AttemptLimiter({ maxFailures: 3, windowMs: 60_000, now: () => time });
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(limiter.check('1.2.3.4').allowed).toBe(true);
      limiter.recordFailure('1.2.3.4');
      time += 1000;
    }
    const blocked = limiter.check('1.2.3.4');
    expect(blocked.allowed).toBe(false);
    expect(blocked.retryAfterMs).toBe(57_000);
    expect(limiter.check('5.6.7.8').allowed).toBe(true);
    time = 60_001;
    expect(limiter.check('1.2.3.4').allowed).toBe(true);
  });

  it('forgets a key’s failures after a successful sign-in', () => {
    const limiter = new AttemptLimiter({ maxFailures: 1, windowMs: 60_000 });
    limiter.recordFailure('a');
    expect(limiter.check('a').allowed).toBe(false);
    limiter.clear('a');
    expect(limiter.check('a').allowed).toBe(true);
  });

  it('remembers at most maxKeys keys, forgetting the oldest', () => {
    const limiter = new AttemptLimiter({ maxFailures: 1, windowMs: 60_000, maxKeys: 2 });
    limiter.recordFailure('a');
    limiter.recordFailure('b');
    limiter.recordFailure('c');
    expect(limiter.check('a').allowed).toBe(true);
    expect(limiter.check('c').allowed).toBe(false);
  });
});
