/**
 * The web app as tests reach it: built first when its sources changed (as `npm start` does), run as
 * its own process (lib/web/main.ts, our server around Next.js) on a port from the OS against an
 * organiser store, and requests that can be sent from any loopback address (127.0.0.N), so what is
 * kept per client address is tested on the connection's own address, as it works for real.
 *
 *   const db = dynamoDbFixture();
 *   const store = organiserStoreFixture(db);
 *   const web = webAppFixture(db, store, { secret: 'test-secret' });
 *   it('…', async () => expect((await web().send('GET', '/api/scoreboard')).status).toBe(200));
 */
import { spawnSync } from 'node:child_process';
import http, { type IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { LOCAL_REGION, waitUntilReady } from '@/lib/local/emulators';
import { type ManagedProcess, startNodeModule } from '@/lib/local/processes';
import { buildIsCurrent, markBuildCurrent, sourceFingerprint } from '@/lib/local/web-build';
import type { OrganiserStore } from '@/lib/store/organiser-store';
import { type Emulator, onFreePort } from './emulators';
import { fixture } from './fixtures';

const repository = path.resolve(import.meta.dirname, '..');

/** Builds the web app unless .next holds a build of the current sources (about a minute when it must). */
export function ensureWebBuild(): void {
  if (buildIsCurrent(repository)) return;
  const fingerprint = sourceFingerprint(repository);
  const build = spawnSync(process.execPath, [path.join(repository, 'node_modules/next/dist/bin/next'), 'build'], {
    cwd: repository,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`next build failed:\n${build.stdout}\n${build.stderr}`);
  markBuildCurrent(repository, fingerprint);
}

export interface WebAppOptions {
  /** ORGANISER_SECRET; absent: organiser endpoints are off (503). */
  secret?: string;
  /** More environment (e.g. TRUST_PROXY, RUNTIME_URL). */
  env?: Record<string, string>;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface SendOptions {
  /** A JSON body (serialised here), or raw bytes. */
  body?: unknown;
  headers?: Record<string, string>;
  /** The loopback address to send from (default 127.0.0.1). */
  from?: string;
}

/** The JSON body of a reply. */
export function jsonOf<T = Record<string, unknown>>(reply: Reply): T {
  return JSON.parse(reply.text) as T;
}

/** One HTTP request to a server on `port` of this machine, sent from a loopback address. */
export function sendTo(port: number, method: string, pathname: string, options: SendOptions = {}): Promise<Reply> {
  const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(JSON.stringify(options.body));
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: pathname,
        localAddress: options.from ?? '127.0.0.1',
        headers: { ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}), ...options.headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

export class WebApp {
  private constructor(
    readonly port: number,
    readonly process: ManagedProcess,
  ) {}

  /** Starts the web app (building it first if needed) against an organiser store, and waits until it answers. */
  static async start(store: { endpoint: string; table: string }, options: WebAppOptions = {}): Promise<WebApp> {
    ensureWebBuild();
    return onFreePort(async (port) => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PORT: String(port),
        AWS_REGION: LOCAL_REGION,
        ORGANISER_STORE_ENDPOINT: store.endpoint,
        ORGANISER_TABLE: store.table,
        NEXT_TELEMETRY_DISABLED: '1',
        AGENT_STREAM_PORT: '0', // no scheduler beside it: agents use the HTTP calls
        ...options.env,
      };
      delete env.ORGANISER_SECRET;
      if (options.secret) env.ORGANISER_SECRET = options.secret;
      const web = startNodeModule('web', path.join(repository, 'lib/web/main.ts'), [], { cwd: repository, env });
      await waitUntilReady({ process: web }, () => sendTo(port, 'GET', '/api/metrics'), `the web app (port ${port})`, 120_000);
      return new WebApp(port, web);
    });
  }

  /** The web process's id (to read its memory). */
  get pid(): number {
    return this.process.child.pid!;
  }

  send(method: string, pathname: string, options: SendOptions = {}): Promise<Reply> {
    return sendTo(this.port, method, pathname, options);
  }

  stop(): Promise<unknown> {
    return this.process.stop();
  }
}

/**
 * A web app over the organiser store `store()` in `emulator()`, started before the tests and stopped
 * after them; `options` may be a function of fixtures declared before (e.g. RUNTIME_URL from a
 * runtime's port).
 */
export function webAppFixture(emulator: () => Emulator, store: () => OrganiserStore, options: WebAppOptions | (() => WebAppOptions) = {}): () => WebApp {
  return fixture(
    'the web app',
    () => WebApp.start({ endpoint: emulator().endpoint, table: store().tableName }, typeof options === 'function' ? options() : options),
    (web) => web.stop(),
  );
}
