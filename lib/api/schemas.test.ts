import { describe, expect, it } from 'vitest';
import { HttpError, isHttpError } from './http';
import { describeIssues, newTeamSchema, settingsChangesSchema, startRoundSchema, teamChangesSchema } from './schemas';

function problem(schema: { safeParse(value: unknown): { success: boolean; error?: unknown } }, value: unknown): string {
  const result = schema.safeParse(value);
  expect(result.success).toBe(false);
  return describeIssues(result.error as Parameters<typeof describeIssues>[0]);
}

describe('organiser API input', () => {
  it('accepts a local team and an AWS team with partial resource names', () => {
    expect(newTeamSchema.parse({ kind: 'local', slug: 'blue-whales', name: 'Blue Whales' })).toMatchObject({ pipeline: 'handlers' });
    const aws = newTeamSchema.parse({
      kind: 'aws',
      slug: 'acme',
      name: 'Acme',
      region: 'eu-west-1',
      roleArn: 'arn:aws:iam::123456789012:role/Scoreboard',
      externalId: 'xyz123',
      resources: { aggregateTable: 'Acme-Aggregate' },
    });
    expect(aws).toMatchObject({ resources: { aggregateTable: 'Acme-Aggregate' } });
  });

  it('names the field at fault', () => {
    expect(problem(newTeamSchema, { kind: 'cloud', slug: 'a1', name: 'A' })).toBe('kind: kind must be "local", "aws" or "remote"');
    expect(problem(newTeamSchema, { kind: 'local', slug: 'No Spaces', name: 'A' })).toMatch(/^slug: /);
    expect(problem(newTeamSchema, { kind: 'aws', slug: 'a1', name: 'A', region: 'eu-west-1', roleArn: 'role' })).toMatch(/^roleArn: /);
    expect(problem(newTeamSchema, { kind: 'aws', slug: 'a1', name: 'A', region: 'europe', roleArn: 'arn:aws:iam::123456789012:role/R' })).toMatch(/^region: /);
    expect(problem(settingsChangesSchema, { roundMessages: 0 })).toBe('roundMessages: roundMessages must be at least 1');
    expect(problem(settingsChangesSchema, { roundDeadlineSeconds: 2.5 })).toMatch(/^roundDeadlineSeconds: /);
    expect(problem(teamChangesSchema, { failurePercentages: { state: 5, map: 120, reduce: 0 } })).toMatch(/^failurePercentages\.map: /);
    expect(problem(startRoundSchema, { teams: ['ok-team', 'Bad!'] })).toMatch(/^teams\.1: /);
    expect(problem(settingsChangesSchema, { paused: true, colour: 'red' })).toBe('unknown field "colour"');
  });

  it('refuses empty changes', () => {
    expect(problem(teamChangesSchema, {})).toMatch(/at least one of/);
    expect(problem(settingsChangesSchema, {})).toMatch(/at least one of/);
  });

  it('recognises its HTTP errors by brand, not by class identity', () => {
    expect(isHttpError(new HttpError(404, 'gone'))).toBe(true);
    expect(isHttpError(Object.assign(new Error('x'), { status: 404 }))).toBe(false);
    expect(isHttpError(null)).toBe(false);
  });
});
