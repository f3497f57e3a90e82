/** The wiring file's validation, including the repository's own wiring files. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWiring } from './wiring';

const repository = path.resolve(import.meta.dirname, '../..');

describe('wiring file', () => {
  it('accepts the starting and the solution wiring, with defaults filled in', () => {
    const starting = parseWiring(readFileSync(path.join(repository, 'pipeline/handlers/triggers.json'), 'utf8'));
    const solution = parseWiring(readFileSync(path.join(repository, 'pipeline/solution/triggers.json'), 'utf8'));
    if (!starting.ok || !solution.ok) throw new Error('repository wiring rejected');
    expect(starting.wiring.triggers.map((trigger) => trigger.function)).toEqual(['map']);
    expect(solution.wiring.triggers.map((trigger) => `${trigger.source}->${trigger.function}`)).toEqual([
      'IncomingDataStream->state',
      'StateTable->map',
      'ReduceTable->reduce',
    ]);
    expect(solution.wiring.functions.reduce?.reservedConcurrency).toBe(1);
    expect(solution.wiring.triggers[0]).toMatchObject({ maximumBatchingWindowInSeconds: 0, maximumRetryAttempts: -1 });
  });

  it('names the faulty field', () => {
    const base = { functions: { state: { handler: 'state.ts', timeoutSeconds: 60 } }, triggers: [] as unknown[] };
    const problem = (value: unknown) => {
      const parsed = parseWiring(JSON.stringify(value));
      return parsed.ok ? 'accepted' : parsed.problem;
    };
    expect(problem({ ...base, triggers: [{ function: 'state', source: 'IncomingDataStream', batchSize: 0, startingPosition: 'LATEST' }] })).toContain(
      'triggers.0.batchSize',
    );
    expect(problem({ ...base, triggers: [{ function: 'map', source: 'StateTable', batchSize: 10, startingPosition: 'LATEST' }] })).toContain(
      'function "map" is not defined',
    );
    expect(problem({ ...base, triggers: [{ function: 'state', source: 'Elsewhere', batchSize: 10, startingPosition: 'LATEST' }] })).toContain(
      'triggers.0.source',
    );
    expect(
      problem({ ...base, triggers: [{ function: 'state', source: 'IncomingDataStream', batchSize: 10, startingPosition: 'LATEST', batchsize: 5 }] }),
    ).toContain('batchsize');
    const twice = { function: 'state', source: 'IncomingDataStream', batchSize: 10, startingPosition: 'LATEST' };
    expect(problem({ ...base, triggers: [twice, twice] })).toContain('a second trigger from IncomingDataStream to state');
    expect(problem({ functions: { state: { handler: 'state.py', timeoutSeconds: 60 } }, triggers: [] })).toContain('functions.state.handler');
    expect(parseWiring('{ "functions": ').ok).toBe(false);
  });

  it('takes a handler only inside the code folder', () => {
    const problem = (handler: string) => {
      const parsed = parseWiring(JSON.stringify({ functions: { state: { handler, timeoutSeconds: 60 } }, triggers: [] }));
      return parsed.ok ? 'accepted' : parsed.problem;
    };
    expect(problem('handlers/state.ts')).toBe('accepted');
    for (const outside of ['../state.ts', 'handlers/../../state.ts', '/etc/state.ts', '..\\state.ts']) {
      expect(problem(outside)).toContain('functions.state.handler: must name a file inside the code folder');
    }
  });

  it("takes a function's environment variables as Lambda does, refusing reserved names", () => {
    const problem = (environment: Record<string, string>) => {
      const parsed = parseWiring(JSON.stringify({ functions: { state: { handler: 'state.ts', timeoutSeconds: 60, environment } }, triggers: [] }));
      return parsed.ok ? parsed.wiring.functions.state?.environment : parsed.problem;
    };
    expect(problem({ LOG_LEVEL: 'debug', NODE_OPTIONS: '--enable-source-maps' })).toEqual({ LOG_LEVEL: 'debug', NODE_OPTIONS: '--enable-source-maps' });
    expect(problem({ AWS_REGION: 'eu-west-1' })).toContain('functions.state.environment.AWS_REGION: AWS_REGION is reserved by Lambda');
    expect(problem({ TZ: 'Europe/Paris' })).toContain('TZ is reserved by Lambda');
    expect(problem({ AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8101' })).toContain('set by the workshop');
    expect(problem({ STATE_TABLE_NAME: 'Other' })).toContain('set by the workshop');
    expect(problem({ '1X': 'y' })).toContain('a variable name starts with a letter');
    expect(problem({ BIG: 'x'.repeat(5000) })).toContain('Lambda allows 4096');
  });
});
