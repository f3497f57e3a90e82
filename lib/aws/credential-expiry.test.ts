import { describe, expect, it } from 'vitest';
import { credentialExpiryWarning } from './credential-expiry';

const now = new Date('2026-05-01T09:00:00.000Z');

describe('credentialExpiryWarning', () => {
  it('says nothing for credentials that never expire or outlive the event', () => {
    expect(credentialExpiryWarning({ expiration: null }, now, 8)).toBeNull();
    expect(credentialExpiryWarning({ expiration: new Date('2026-05-01T17:00:00.000Z') }, now, 8)).toBeNull();
  });

  it('warns, saying when, for credentials that expire before the event could end', () => {
    expect(credentialExpiryWarning({ expiration: new Date('2026-05-01T16:59:00.000Z') }, now, 8)).toMatch(
      /^the organiser's AWS credentials expire at 2026-05-01T16:59:00.000Z \(in 7 h 59 min\), before an event of 8 h \(EVENT_HOURS\) could end/,
    );
    expect(credentialExpiryWarning({ expiration: new Date('2026-05-01T09:45:00.000Z') }, now, 8)).toContain('(in 45 min)');
  });

  it('warns when no credentials could be resolved', () => {
    expect(credentialExpiryWarning({ problem: 'Could not load credentials from any providers' }, now, 8)).toMatch(/could not be resolved \(Could not load/);
  });
});
