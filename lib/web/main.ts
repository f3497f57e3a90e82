/**
 * The web app as a process, started by the supervisor (`npm start`) as
 * `node --import tsx lib/web/main.ts`: Next.js's production build (.next) behind our own server
 * (./server.ts) on PORT, with TRUST_PROXY and the rest of the configuration from the environment
 * (lib/config.ts). Stops on SIGTERM and SIGINT.
 */
import path from 'node:path';
import { storeIdentity } from '../agent-stream/frames';
import { readConfig } from '../config';
import { ConfigError } from '../errors';
import { startWebServer } from './server';

let config;
try {
  config = readConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`web app: ${error.message}`);
  process.exit(2);
}

const web = await startWebServer({
  dir: path.resolve(import.meta.dirname, '../..'),
  port: config.PORT,
  trustedProxies: config.TRUST_PROXY,
  agentStream: config.AGENT_STREAM_PORT > 0 ? { port: config.AGENT_STREAM_PORT, store: storeIdentity(config) } : null,
});
const proxies = config.TRUST_PROXY ? `, believing X-Forwarded-For from ${config.TRUST_PROXY} reverse prox${config.TRUST_PROXY > 1 ? 'ies' : 'y'}` : '';
console.log(`web app listening on port ${config.PORT}${proxies}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void web.close().then(() => process.exit(0));
  });
}
