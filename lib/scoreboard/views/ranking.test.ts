import { describe, expect, it } from 'vitest';
import { rankTeams } from './ranking';

const team = (slug: string, score: number, scoreReachedAt: string, name = slug) => ({ slug, name, score, scoreReachedAt });

describe('rankTeams', () => {
  it('orders by score, higher first', () => {
    const ranked = rankTeams([team('a', 100, '2026-01-01T10:00:00Z'), team('b', 300, '2026-01-01T10:05:00Z'), team('c', 200, '2026-01-01T10:01:00Z')]);
    expect(ranked.map((t) => [t.slug, t.rank])).toEqual([
      ['b', 1],
      ['c', 2],
      ['a', 3],
    ]);
  });

  it('ranks the team that reached an equal score first higher', () => {
    const ranked = rankTeams([team('late', 200, '2026-01-01T10:02:00Z', 'Aardvarks'), team('early', 200, '2026-01-01T10:01:00Z', 'Zebras')]);
    expect(ranked.map((t) => [t.slug, t.rank])).toEqual([
      ['early', 1],
      ['late', 2],
    ]);
  });

  it('gives teams tied to the millisecond the same rank, then skips (1, 1, 3), ordered by name', () => {
    const at = '2026-01-01T10:01:00.000Z';
    const ranked = rankTeams([team('z', 100, at, 'Zulu'), team('a', 100, at, 'Alpha'), team('m', 50, '2026-01-01T09:00:00Z')]);
    expect(ranked.map((t) => [t.slug, t.rank])).toEqual([
      ['a', 1],
      ['z', 1],
      ['m', 3],
    ]);
  });

  it('lets every team still at 0 points share the last place, whenever it was created', () => {
    const ranked = rankTeams([
      team('new', 0, '2026-01-01T11:00:00Z', 'B'),
      team('old', 0, '2026-01-01T09:00:00Z', 'C'),
      team('top', 100, '2026-01-01T10:00:00Z'),
      team('mid', 0, '2026-01-01T10:00:00Z', 'A'),
    ]);
    expect(ranked.map((t) => [t.slug, t.rank])).toEqual([
      ['top', 1],
      ['mid', 2],
      ['new', 2],
      ['old', 2],
    ]);
  });

  it('does not modify its input', () => {
    const teams = [team('a', 0, '2026-01-01T10:00:00Z'), team('b', 100, '2026-01-01T10:00:00Z')];
    rankTeams(teams);
    expect(teams.map((t) => t.slug)).toEqual(['a', 'b']);
  });
});
