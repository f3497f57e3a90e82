import { describe, expect, it } from 'vitest';
import { etagOf, matchesIfNoneMatch } from './etag';

describe('snapshot ETags', () => {
  it('is the same for the same body and differs when one byte changes', () => {
    expect(etagOf('{"score":100}')).toBe(etagOf('{"score":100}'));
    expect(etagOf('{"score":100}')).not.toBe(etagOf('{"score":200}'));
    expect(etagOf('x')).toMatch(/^"[A-Za-z0-9_-]+"$/);
  });

  it('matches If-None-Match with the same tag, a list containing it, a weak form, or *', () => {
    const etag = etagOf('body');
    expect(matchesIfNoneMatch(etag, etag)).toBe(true);
    expect(matchesIfNoneMatch(`"other", ${etag}`, etag)).toBe(true);
    expect(matchesIfNoneMatch(`W/${etag}`, etag)).toBe(true);
    expect(matchesIfNoneMatch('*', etag)).toBe(true);
  });

  it('does not match a missing header or another tag', () => {
    const etag = etagOf('body');
    expect(matchesIfNoneMatch(null, etag)).toBe(false);
    expect(matchesIfNoneMatch(etagOf('other body'), etag)).toBe(false);
  });
});
