import { describe, expect, it } from 'vitest';
import { type CredentialExpiry, credentialExpiryWarning, credentialSource } from './credential-expiry';

const now = new Date('2026-05-01T09:00:00.000Z');
const event = { startedAt: now, hours: 8 };
const fixed = (expiration: string | null, sessionToken = true): CredentialExpiry => ({
  source: 'fixed',
  expiration: expiration ? new Date(expiration) : null,
  sessionToken,
});

describe('credentialSource', () => {
  it('tells credentials nothing renews from those the SDK renews, by the features it records on them', () => {
    expect(credentialSource({ CREDENTIALS_ENV_VARS: 'g' })).toBe('fixed');
    expect(credentialSource({ CREDENTIALS_PROFILE: 'n' })).toBe('fixed');
    expect(credentialSource({ CREDENTIALS_PROFILE_SSO: 'r' })).toBe('session');
    expect(credentialSource({ CREDENTIALS_SSO: 's' })).toBe('session');
    expect(credentialSource({ CREDENTIALS_PROFILE_LOGIN: 'AC' })).toBe('session');
    // A profile with role_arn: assumed again before each session ends.
    expect(credentialSource({ CREDENTIALS_PROFILE_SOURCE_PROFILE: 'o', CREDENTIALS_STS_ASSUME_ROLE: 'i', RESOLVED_ACCOUNT_ID: 'T' })).toBe('renewing');
    expect(credentialSource({ CREDENTIALS_HTTP: 'z' })).toBe('renewing');
    expect(credentialSource({ CREDENTIALS_PROCESS: 'w' })).toBe('renewing');
    // Instance metadata credentials carry no feature.
    expect(credentialSource(undefined)).toBe('renewing');
  });
});

describe('credentialExpiryWarning', () => {
  it('says nothing for credentials that renew themselves, whatever their current expiration', () => {
    expect(credentialExpiryWarning({ source: 'renewing', expiration: new Date('2026-05-01T10:00:00.000Z'), sessionToken: true }, event, now)).toBeNull();
  });

  it('says nothing for long-lived keys or fixed credentials that outlive the event', () => {
    expect(credentialExpiryWarning(fixed(null, false), event, now)).toBeNull();
    expect(credentialExpiryWarning(fixed('2026-05-01T17:00:00.000Z'), event, now)).toBeNull();
  });

  it('warns, saying when, for fixed credentials that expire before the event could end', () => {
    expect(credentialExpiryWarning(fixed('2026-05-01T16:59:00.000Z'), event, now)).toMatch(
      /^the organiser's AWS credentials expire at 2026-05-01T16:59:00.000Z \(in 7 h 59 min\), before an event of 8 h \(EVENT_HOURS, until 2026-05-01T17:00:00.000Z\) could end/,
    );
    expect(credentialExpiryWarning(fixed('2026-05-01T09:45:00.000Z'), event, now)).toContain('(in 45 min)');
  });

  it('counts the event from its start, and says when credentials already expired', () => {
    const later = new Date('2026-05-01T10:00:00.000Z');
    expect(credentialExpiryWarning(fixed('2026-05-01T10:30:00.000Z'), event, later)).toContain('expire at 2026-05-01T10:30:00.000Z (in 30 min)');
    expect(credentialExpiryWarning(fixed('2026-05-01T09:45:00.000Z'), event, later)).toMatch(
      /^the organiser's AWS credentials expired at 2026-05-01T09:45:00.000Z, before/,
    );
  });

  it('warns about session credentials with no expiry given, and about SSO sessions whose end is not visible', () => {
    expect(credentialExpiryWarning(fixed(null), event, now)).toMatch(/session credentials \(AWS_SESSION_TOKEN\) with no expiry given/);
    expect(credentialExpiryWarning({ source: 'session', expiration: new Date('2026-05-01T10:00:00.000Z'), sessionToken: true }, event, now)).toMatch(
      /come from an SSO or aws login session: the SDK renews them only until that session ends/,
    );
  });

  it('warns when no credentials could be resolved', () => {
    expect(credentialExpiryWarning({ problem: 'Could not load credentials from any providers' }, event, now)).toMatch(/could not be resolved \(Could not load/);
  });
});
