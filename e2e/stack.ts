/**
 * The workshop stack the browser tests run against: `npm start` on ports the OS hands out when the
 * run starts (so it never collides with a developer's workshop or another run), a fresh data
 * directory, short rounds and a known secret. The ports are chosen once, in Playwright's main
 * process, and reach its workers through the environment. The deadline is generous because CI
 * machines are slow and busy: the reference pipeline must pass.
 */
import { NO_AWS_ENDPOINTS } from '@/testing/cdk-outputs';
import { freePorts } from '@/testing/ports';

if (!process.env.E2E_PORTS) process.env.E2E_PORTS = (await freePorts(6)).join(',');
const [web, kinesis, organiserStore, runtime, teamPortBase, agentStream] = process.env.E2E_PORTS.split(',').map(Number);

export const E2E_BASE_URL = `http://127.0.0.1:${web}`;
export const E2E_SECRET = 'e2e-organiser-secret';

export const E2E_ENV = {
  PORT: String(web),
  KINESIS_PORT: String(kinesis),
  ORGANISER_STORE_PORT: String(organiserStore),
  RUNTIME_PORT: String(runtime),
  AGENT_STREAM_PORT: String(agentStream),
  /** The first port tried for the teams' DynamoDB Local processes (taken ones are skipped). */
  TEAM_PORT_BASE: String(teamPortBase),
  ORGANISER_SECRET: E2E_SECRET,
  ROUND_INTERVAL_SECONDS: '50',
  ROUND_MESSAGES: '500',
  ROUND_DEADLINE_SECONDS: '40',
  SHARD_COUNT: '2',
  // AWS teams imported by the tests have made-up accounts: they are never looked for on the internet.
  ...NO_AWS_ENDPOINTS,
};

/** Where screenshots go (gitignored). */
export const ARTIFACTS = 'e2e/artifacts';
