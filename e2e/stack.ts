/**
 * The workshop stack the browser tests run against: `npm start` on ports of its own (so it never
 * collides with a developer's workshop), a fresh data directory, short rounds and a known secret.
 * The deadline is generous because CI machines are slow and busy: the reference pipeline must pass.
 */
export const E2E_PORT = 3917;
export const E2E_BASE_URL = `http://127.0.0.1:${E2E_PORT}`;
export const E2E_SECRET = 'e2e-organiser-secret';

export const E2E_ENV = {
  PORT: String(E2E_PORT),
  KINESIS_PORT: '4917',
  ORGANISER_STORE_PORT: '8917',
  RUNTIME_PORT: '3918',
  TEAM_PORT_BASE: '8930',
  ORGANISER_SECRET: E2E_SECRET,
  ROUND_INTERVAL_SECONDS: '50',
  ROUND_MESSAGES: '500',
  ROUND_DEADLINE_SECONDS: '40',
  SHARD_COUNT: '2',
};

/** Where screenshots go (gitignored). */
export const ARTIFACTS = 'e2e/artifacts';
