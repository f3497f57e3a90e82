import { describe, expect, it } from 'vitest';
import { OrganiserGate } from './organiser';
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

describe('OrganiserGate', () => {
  const limits = { perClient: { maxFailures: 2, windowMs: 60_000 }, overall: { maxFailures: 3, windowMs: 60_000 } };
  const request = (authorization: string | null, cookieHeader: string | null = null, clientKey = '10.0.0.1') => ({ authorization, cookieHeader, clientKey });

  it('accepts the bearer secret and a signed-in session cookie, and refuses everything else with 401', () => {
    const gate = new OrganiserGate(SECRET, limits);
    expect(gate.authorize(request(`Bearer ${SECRET}`))).toEqual({ ok: true });
    const signedIn = gate.signIn(SECRET, '10.0.0.1');
    expect(signedIn.ok).toBe(true);
    expect(gate.authorize(request(null, `theme=dark; organiser_session=${signedIn.token}`))).toEqual({ ok: true });
    expect(gate.authorize(request(null))).toMatchObject({ ok: false, status: 401 });
    expect(gate.authorize(request(null, 'organiser_session=v1.99999999999999.forged'))).toMatchObject({ ok: false, status: 401 });
    expect(gate.authorize(request('Bearer wrong-secret'))).toMatchObject({ ok: false, status: 401 });
  });

  it('stops comparing secrets from a client after too many wrong ones, and overall after more', () => {
    const gate = new OrganiserGate(SECRET, limits);
    expect(gate.signIn('guess-1', 'a').ok).toBe(false);
    expect(gate.authorize(request('Bearer guess-2', null, 'a'))).toMatchObject({ status: 401 });
    expect(gate.signIn(SECRET, 'a')).toMatchObject({ ok: false, status: 429 });
    expect(gate.signIn(SECRET, 'b').ok).toBe(true);
    expect(gate.signIn('guess-3', 'c')).toMatchObject({ status: 401 });
    expect(gate.signIn(SECRET, 'd')).toMatchObject({ ok: false, status: 429 });
  });

  it('disables organiser actions with 503 when no secret is configured', () => {
    const gate = new OrganiserGate(undefined, limits);
    expect(gate.authorize(request('Bearer anything'))).toMatchObject({ ok: false, status: 503 });
    expect(gate.signIn('anything', 'a')).toMatchObject({ ok: false, status: 503 });
  });
});
