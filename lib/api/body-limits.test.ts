import { describe, expect, it } from 'vitest';
import { bodyLimitFor, DEFAULT_BODY_LIMIT, describeBytes } from './body-limits';

describe('bodyLimitFor', () => {
  it('is 16 KB for every route, unless a route is listed with more, by method and path', () => {
    const larger = [{ method: 'POST', path: /^\/api\/admin\/teams\/import$/, bytes: 1024 * 1024, why: 'cdk deploy --outputs-file of 50 stacks' }];
    expect(bodyLimitFor('POST', '/api/admin/teams')).toBe(DEFAULT_BODY_LIMIT);
    expect(DEFAULT_BODY_LIMIT).toBe(16 * 1024);
    expect(bodyLimitFor('POST', '/api/admin/teams/import', larger)).toBe(1024 * 1024);
    expect(bodyLimitFor('PUT', '/api/admin/teams/import', larger)).toBe(DEFAULT_BODY_LIMIT);
    expect(bodyLimitFor('POST', '/api/admin/teams/import/x', larger)).toBe(DEFAULT_BODY_LIMIT);
  });

  it('says a limit in words', () => {
    expect([describeBytes(16 * 1024), describeBytes(1024 * 1024), describeBytes(300)]).toEqual(['16 KB', '1 MB', '300 bytes']);
  });
});
