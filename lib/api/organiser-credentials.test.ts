/**
 * The organiser console's credential warning: how often the web app resolves its credentials, and
 * GET /api/admin/credentials of a real web app in AWS mode whose credentials come from its
 * environment, as `npm start` hands them to it.
 */
import { describe, expect, it } from 'vitest';
import { dynamoDbFixture } from '@/testing/fixtures';
import { organiserStoreFixture } from '@/testing/organiser-store';
import { jsonOf, webAppFixture } from '@/testing/web-app';
import type { CredentialExpiry } from '../aws/credential-expiry';
import { type CredentialsAnswer, OrganiserCredentials } from './organiser-credentials';

const SECRET = 'credentials-test-secret';

describe('OrganiserCredentials', () => {
  const startedAt = new Date('2026-05-01T09:00:00.000Z');
  const expiring: CredentialExpiry = { source: 'fixed', expiration: new Date('2026-05-01T10:00:00.000Z'), sessionToken: true };

  it('resolves the chain again only after five minutes, and says how long is left each time', async () => {
    let now = startedAt;
    let resolutions = 0;
    const credentials = new OrganiserCredentials({
      aws: true,
      event: { startedAt, hours: 8 },
      resolve: async () => {
        resolutions += 1;
        return expiring;
      },
      now: () => now,
    });
    expect((await credentials.answer()).warning).toContain('(in 60 min)');
    now = new Date('2026-05-01T09:04:00.000Z');
    expect((await credentials.answer()).warning).toContain('(in 56 min)');
    expect(resolutions).toBe(1);
    now = new Date('2026-05-01T09:05:00.000Z');
    await credentials.answer();
    expect(resolutions).toBe(2);
  });

  it('resolves nothing in a local workshop', async () => {
    const credentials = new OrganiserCredentials({
      aws: false,
      event: { startedAt, hours: 8 },
      resolve: () => Promise.reject(new Error('a local workshop has no AWS credentials to resolve')),
    });
    expect(await credentials.answer()).toEqual({ warning: null });
  });
});

/** The credential chain limited to the environment: no profile files, no instance metadata (nothing off this machine). */
const ENVIRONMENT_ONLY = {
  WORKSHOP_MODE: 'aws',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/nonexistent',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
};

describe('GET /api/admin/credentials', () => {
  const db = dynamoDbFixture();
  const store = organiserStoreFixture(db);
  const expiration = new Date(Date.now() + 45 * 60_000);
  const session = webAppFixture(db, store, {
    secret: SECRET,
    env: {
      ...ENVIRONMENT_ONLY,
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLESESSION',
      AWS_SECRET_ACCESS_KEY: 'session-secret',
      AWS_SESSION_TOKEN: 'session-token',
      AWS_CREDENTIAL_EXPIRATION: expiration.toISOString(),
    },
  });
  const longLived = webAppFixture(db, store, {
    secret: SECRET,
    env: { ...ENVIRONMENT_ONLY, AWS_ACCESS_KEY_ID: 'AKIAEXAMPLELONGLIVED', AWS_SECRET_ACCESS_KEY: 'long-lived-secret' },
  });
  const organiser = { headers: { authorization: `Bearer ${SECRET}` } };

  it('warns the organiser, saying when, that session credentials expire before the event could end', async () => {
    const reply = await session().send('GET', '/api/admin/credentials', organiser);
    expect(reply.status).toBe(200);
    const { warning } = jsonOf<CredentialsAnswer>(reply);
    expect(warning).toMatch(new RegExp(`^the organiser's AWS credentials expire at ${expiration.toISOString()} \\(in \\d+ min\\), before an event of 8 h`));
    expect(Number(/\(in (\d+) min\)/.exec(warning ?? '')?.[1])).toBeLessThanOrEqual(45);
  });

  it('says nothing of long-lived keys', async () => {
    const reply = await longLived().send('GET', '/api/admin/credentials', organiser);
    expect(reply.status).toBe(200);
    expect(jsonOf<CredentialsAnswer>(reply)).toEqual({ warning: null });
  });

  it('answers the organiser only', async () => {
    expect((await session().send('GET', '/api/admin/credentials')).status).toBe(401);
  });
});
