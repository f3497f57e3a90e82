import { describe, expect, it } from 'vitest';
import { OrganiserGate } from './organiser';
import { SessionRevocations } from './revocations';
import { secretMatches } from './secret';
import { signSession, verifySession } from './session';
import { SecretThrottle, throttleKey } from './throttle';

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

  it('verifies a token it signed until it expires, naming a session of its own', () => {
    const token = signSession(SECRET, now, 60_000);
    expect(verifySession(token, SECRET, now + 59_999)).toEqual({ id: token.split('.')[1], expiresAt: now + 60_000 });
    expect(verifySession(token, SECRET, now + 60_000)).toBeNull();
    expect(verifySession(signSession(SECRET, now), SECRET, now)?.id).not.toBe(verifySession(token, SECRET, now)?.id);
  });

  it('rejects a token signed with another secret (changing the secret signs everybody out)', () => {
    expect(verifySession(signSession('another secret value', now), SECRET, now)).toBeNull();
  });

  it('rejects a token whose expiry or session was changed without re-signing', () => {
    const [version, id, expiry, signature] = signSession(SECRET, now, 60_000).split('.');
    expect(verifySession(`${version}.${id}.${Number(expiry) + 3_600_000}.${signature}`, SECRET, now)).toBeNull();
    expect(verifySession(`${version}.${'A'.repeat(22)}.${expiry}.${signature}`, SECRET, now)).toBeNull();
  });

  it('rejects malformed tokens, and the unsigned-out tokens of before sessions had ids', () => {
    for (const token of ['', 'v2', 'v2.123', 'v1.99999999999.abc', 'v2.abc.99999999999.def', 'v2.AAAAAAAAAAAAAAAAAAAAAA.99999999999.', undefined, null]) {
      expect(verifySession(token, SECRET, now)).toBeNull();
    }
  });
});

/** Sign-outs kept in memory: a stand-in for the organiser store's records (tested over HTTP in lib/api/organiser-auth.test.ts). */
function revocationRecords() {
  const revoked = new Set<string>();
  let lookups = 0;
  return {
    revokeSession: async (id: string) => void revoked.add(id),
    isSessionRevoked: async (id: string) => {
      lookups += 1;
      return revoked.has(id);
    },
    get lookups() {
      return lookups;
    },
  };
}

describe('SessionRevocations', () => {
  it('refuses a signed-out session at once here, and within the cache time when another instance signed it out', async () => {
    let time = 0;
    const records = revocationRecords();
    const here = new SessionRevocations(records, 1000, () => time);
    const elsewhere = new SessionRevocations(records, 1000, () => time);
    const session = { id: 'session-a', expiresAt: 60_000 };
    expect(await elsewhere.isRevoked(session)).toBe(false);
    await here.revoke(session);
    expect(await here.isRevoked(session)).toBe(true);
    expect(await elsewhere.isRevoked(session)).toBe(false);
    time += 1000;
    expect(await elsewhere.isRevoked(session)).toBe(true);
  });

  it('asks the store at most once per cache time for a live session', async () => {
    let time = 0;
    const records = revocationRecords();
    const revocations = new SessionRevocations(records, 1000, () => time);
    for (let request = 0; request < 50; request++) await revocations.isRevoked({ id: 'live', expiresAt: 60_000 });
    time += 1000;
    await revocations.isRevoked({ id: 'live', expiresAt: 60_000 });
    expect(records.lookups).toBe(2);
  });
});

describe('throttleKey', () => {
  it('keys IPv4 by the address, IPv6 by its /64, and an IPv4-mapped address as the IPv4 one', () => {
    expect(throttleKey('203.0.113.7')).toBe('203.0.113.7');
    expect(throttleKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(throttleKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(throttleKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(throttleKey('::1')).toBe('0:0:0:0::/64');
    expect(throttleKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(throttleKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(throttleKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
    expect(throttleKey('unknown')).toBe('unknown');
  });
});

describe('SecretThrottle', () => {
  it('lets a few wrong secrets through, then doubles the wait after each further one, up to the maximum', () => {
    let time = 0;
    const throttle = new SecretThrottle({ freeFailures: 2, firstDelayMs: 1000, maxDelayMs: 4000, now: () => time });
    expect([throttle.recordFailure('a'), throttle.recordFailure('a')]).toEqual([0, 0]);
    expect(throttle.check('a')).toEqual({ allowed: true });
    expect(throttle.recordFailure('a')).toBe(1000);
    expect(throttle.check('a')).toEqual({ allowed: false, retryAfterMs: 1000 });
    time += 1000;
    expect(throttle.check('a')).toEqual({ allowed: true });
    expect(throttle.recordFailure('a')).toBe(2000);
    time += 2000;
    expect(throttle.recordFailure('a')).toBe(4000);
    time += 4000;
    expect(throttle.recordFailure('a')).toBe(4000);
  });

  it('never slows down another address, and forgets an address after the right secret or after a quiet hour', () => {
    let time = 0;
    const throttle = new SecretThrottle({ freeFailures: 0, forgetAfterMs: 3_600_000, now: () => time });
    for (let attempt = 0; attempt < 50; attempt++) throttle.recordFailure('2001:db8:1:2::1');
    expect(throttle.check('2001:db8:1:2::ffff').allowed).toBe(false);
    expect(throttle.check('2001:db8:1:3::1').allowed).toBe(true);
    expect(throttle.check('203.0.113.7').allowed).toBe(true);
    throttle.recordFailure('b');
    throttle.recordSuccess('b');
    expect(throttle.check('b').allowed).toBe(true);
    time += 3_600_000;
    expect(throttle.check('2001:db8:1:2::1').allowed).toBe(true);
  });

  it('remembers at most maxClients addresses, forgetting the least recently wrong', () => {
    const throttle = new SecretThrottle({ freeFailures: 0, maxClients: 1000 });
    for (let client = 0; client < 5000; client++) throttle.recordFailure(`10.0.${client >> 8}.${client & 255}`);
    expect(throttle.size).toBe(1000);
    expect(throttle.check('10.0.0.0').allowed).toBe(true);
    expect(throttle.check('10.0.19.135').allowed).toBe(false);
  });
});

describe('OrganiserGate', () => {
  const throttle = { freeFailures: 2 };
  const newGate = (secret: string | undefined) => new OrganiserGate(secret, new SessionRevocations(revocationRecords()), throttle);
  const request = (authorization: string | null, cookieHeader: string | null = null, clientAddress = '10.0.0.1') => ({
    authorization,
    cookieHeader,
    clientAddress,
  });

  it('accepts the bearer secret and a signed-in session cookie, and refuses everything else with 401', async () => {
    const gate = newGate(SECRET);
    expect(await gate.authorize(request(`Bearer ${SECRET}`))).toEqual({ ok: true });
    const signedIn = gate.signIn(SECRET, '10.0.0.1');
    expect(signedIn.ok).toBe(true);
    expect(await gate.authorize(request(null, `theme=dark; organiser_session=${signedIn.token}`))).toEqual({ ok: true });
    expect(await gate.authorize(request(null))).toMatchObject({ ok: false, status: 401 });
    expect(await gate.authorize(request(null, 'organiser_session=v2.AAAAAAAAAAAAAAAAAAAAAA.99999999999999.forged'))).toMatchObject({ ok: false, status: 401 });
    expect(await gate.authorize(request('Bearer wrong-secret'))).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses a session once it signed out, even with its cookie kept, while other sessions go on', async () => {
    const gate = newGate(SECRET);
    const kept = `organiser_session=${gate.signIn(SECRET, '10.0.0.1').token}`;
    const other = `organiser_session=${gate.signIn(SECRET, '10.0.0.1').token}`;
    await gate.signOut(kept);
    expect(await gate.authorize(request(null, kept))).toEqual({
      ok: false,
      status: 401,
      message: 'organiser sign-in required: this session signed out; sign in again at /admin',
    });
    expect(await gate.hasSession(kept.split('=')[1])).toBe(false);
    expect(await gate.authorize(request(null, other))).toEqual({ ok: true });
    expect(await gate.authorize(request(`Bearer ${SECRET}`, kept))).toEqual({ ok: true });
  });

  it('slows down an address sending wrong secrets (even its right one waits), never the organiser elsewhere', async () => {
    const gate = newGate(SECRET);
    expect(gate.signIn('guess-1', '10.0.0.66')).toMatchObject({ status: 401, message: 'wrong organiser secret' });
    expect(await gate.authorize(request('Bearer guess-2', null, '10.0.0.66'))).toMatchObject({ status: 401 });
    expect(gate.signIn('guess-3', '10.0.0.66')).toMatchObject({ status: 401, message: expect.stringMatching(/next try is possible in 1 s/) });
    expect(gate.signIn(SECRET, '10.0.0.66')).toMatchObject({ ok: false, status: 429, retryAfterSeconds: 1 });
    for (let guess = 0; guess < 100; guess++) gate.signIn(`guess-${guess}`, `10.0.1.${guess}`);
    expect(gate.signIn(SECRET, '10.0.0.1').ok).toBe(true);
    expect(await gate.authorize(request(`Bearer ${SECRET}`, null, '10.0.0.2'))).toEqual({ ok: true });
  });

  it('disables organiser actions with 503 when no secret is configured', async () => {
    const gate = newGate(undefined);
    expect(await gate.authorize(request('Bearer anything'))).toMatchObject({ ok: false, status: 503 });
    expect(gate.signIn('anything', 'a')).toMatchObject({ ok: false, status: 503 });
  });
});
