/**
 * The web app's own HTTP server around Next.js: the only port of the stack that listens beyond
 * loopback. Before Next.js sees a request, it
 * - sets the headers only it may set (lib/api/client.ts), after dropping any copy the client sent,
 *   to the connection's address and scheme, or behind TRUST_PROXY reverse proxies to what they say
 *   (./forwarded.ts); without trusted proxies it drops the client's X-Forwarded-* headers too, so
 *   Next.js fills them from the connection;
 * - caps the body at the route's limit (lib/api/body-limits.ts): a Content-Length over it is answered
 *   413 before anything is read; a chunked body is counted as it streams and cut off with 413 at the
 *   limit (never held beyond it), else handed to Next.js whole, with its length.
 * An upgrade to `/api/agent/stream` goes, bytes untouched, to the scheduler's agent stream on this
 * machine (lib/agent-stream/pass-through.ts); Next.js serves no WebSocket.
 * The rest of a refused body is dropped as it arrives, never kept, so memory stays flat however many
 * oversized bodies arrive.
 */
import http, { IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { type AgentStreamTarget, passAgentStream } from '../agent-stream/pass-through';
import { bodyLimitFor, describeBytes } from '../api/body-limits';
import { CLIENT_ADDRESS_HEADER, CLIENT_PROTO_HEADER } from '../api/client';
import { errorMessage } from '../errors';
import { originOf } from './forwarded';

export interface WebServerOptions {
  /** The repository root: the Next.js app, with its production build in .next. */
  dir: string;
  port: number;
  /** Reverse proxies in front whose X-Forwarded-For and X-Forwarded-Proto are believed (TRUST_PROXY); 0: none. */
  trustedProxies: number;
  /** The scheduler's agent stream on 127.0.0.1 (AGENT_STREAM_PORT) and the store it must serve, where `/api/agent/stream` upgrades are passed; null: none. */
  agentStream: AgentStreamTarget | null;
}

export interface WebServer {
  server: http.Server;
  close(): Promise<void>;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/** How long a refused body may go on arriving (and be dropped) before its connection is closed. */
const LINGER_MS = 2000;

const FORWARDED_HEADERS = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port'];

function setClientHeaders(request: IncomingMessage, trustedProxies: number): void {
  const socket = request.socket as Partial<TLSSocket>;
  const origin = originOf({ remoteAddress: socket.remoteAddress, encrypted: Boolean(socket.encrypted) }, request.headers, trustedProxies);
  if (trustedProxies === 0) for (const header of FORWARDED_HEADERS) delete request.headers[header];
  request.headers[CLIENT_ADDRESS_HEADER] = origin.address;
  request.headers[CLIENT_PROTO_HEADER] = origin.proto;
}

/**
 * Answers 413, then drops the rest of the body as it arrives (a lingering close: closing at once
 * would reset the connection while the client is still sending, and it would lose the answer); a
 * client still sending after LINGER_MS is cut off.
 */
function refuseBody(request: IncomingMessage, response: ServerResponse, limit: number): void {
  response.writeHead(413, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify({ error: `body: this endpoint takes at most ${describeBytes(limit)}; see docs/api.md` }));
  request.resume();
  setTimeout(() => {
    if (!request.complete) request.socket.destroy();
  }, LINGER_MS).unref();
}

/** Reads a chunked body up to `limit` bytes: the body, `too-large` (having read just past the limit), or `gone` when the client went away. */
function readUpTo(request: IncomingMessage, limit: number): Promise<Buffer | 'too-large' | 'gone'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: Buffer | 'too-large' | 'gone') => {
      request.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onClose);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish('too-large');
      else chunks.push(chunk);
    };
    const onEnd = () => finish(Buffer.concat(chunks));
    const onClose = () => finish('gone');
    request.on('data', onData).on('end', onEnd).on('close', onClose).on('error', onClose);
  });
}

/** The request again, with its whole (capped) body and a Content-Length instead of chunks. */
function withBody(request: IncomingMessage, body: Buffer): IncomingMessage {
  const replay = new IncomingMessage(request.socket);
  const headers = { ...request.headers, 'content-length': String(body.length) };
  delete headers['transfer-encoding'];
  Object.assign(replay, {
    method: request.method,
    url: request.url,
    httpVersion: request.httpVersion,
    httpVersionMajor: request.httpVersionMajor,
    httpVersionMinor: request.httpVersionMinor,
    headers,
    rawHeaders: Object.entries(headers).flatMap(([name, value]) => (Array.isArray(value) ? value.flatMap((one) => [name, one]) : [name, String(value)])),
  });
  replay.push(body);
  replay.push(null);
  replay.complete = true;
  return replay;
}

function requestHandler(next: Handler, trustedProxies: number): Handler {
  return async (request, response) => {
    setClientHeaders(request, trustedProxies);
    const limit = bodyLimitFor(request.method ?? 'GET', (request.url ?? '/').split('?')[0] ?? '/');
    const declared = request.headers['content-length'];
    if (declared !== undefined) {
      if (Number(declared) > limit) return refuseBody(request, response, limit);
      return next(request, response);
    }
    if (request.headers['transfer-encoding'] === undefined) return next(request, response);
    const body = await readUpTo(request, limit);
    if (body === 'gone') return;
    if (body === 'too-large') return refuseBody(request, response, limit);
    return next(withBody(request, body), response);
  };
}

/**
 * How long an idle keep-alive connection stays open: longer than the clients and reverse proxies
 * that reuse connections keep theirs idle (a load balancer's 60 s). With Node's default of 5 s, a
 * client reusing a connection as the server closes it gets ECONNRESET (seen in CI: an organiser's
 * request 6 s after the last on its connection), and a reverse proxy answers 502.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Starts Next.js (production build) behind this server on `port`, all interfaces. */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  // Next.js and React pick their production builds by NODE_ENV when first loaded, as `next start` sets it.
  (process.env as Record<string, string | undefined>).NODE_ENV ??= 'production';
  const { default: next } = await import('next');
  // Next.js adds an 'upgrade' listener of its own to the server of the first request it handles (in
  // production it ends upgrades it does not know), which would cut the agent stream's: it is given a
  // server that never listens instead, so upgrades on ours are only passAgentStream's.
  const app = next({ dev: false, dir: options.dir, port: options.port, hostname: 'localhost', httpServer: http.createServer() });
  await app.prepare();
  const handle = requestHandler(app.getRequestHandler(), options.trustedProxies);
  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      console.error('request failed:', error);
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        response.end(JSON.stringify({ error: `the server could not do this: ${errorMessage(error)}` }));
      }
    });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    setClientHeaders(request, options.trustedProxies);
    passAgentStream(request, socket, head, options.agentStream);
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, () => resolve());
  });
  return {
    server,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await app.close();
    },
  };
}
