/**
 * The web server's side of the agent stream (./frames.ts): an upgrade to `/api/agent/stream` is
 * passed, bytes untouched, to the hub of the scheduler on this machine (127.0.0.1, AGENT_STREAM_PORT),
 * with the client headers the web server set (lib/web/server.ts) so the hub throttles wrong tokens by
 * the same address, and the organiser store it serves (STORE_HEADER). The web app parses nothing of it: a remote team's round costs it no request.
 * No hub there (another machine's scheduler leads, or none runs): 503, and the agent uses HTTP.
 * Any other upgrade: 404.
 */
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { AGENT_STREAM_PATH, STORE_HEADER } from './frames';
import { refuseUpgrade } from './refuse-upgrade';

/** How long the hub may take to accept the connection before the agent is told to use HTTP. */
const CONNECT_TIMEOUT_MS = 3000;

/** The upgrade request as the hub reads it: its headers as the web server left them (the client's address and scheme set, spoofed copies dropped). */
function requestHead(request: IncomingMessage): string {
  const lines = [`${request.method} ${request.url} HTTP/1.1`];
  for (const [name, value] of Object.entries(request.headers)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) lines.push(`${name}: ${one}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Where the web server passes agent streams: the hub's loopback port, and the organiser store the web server serves (STORE_HEADER). */
export interface AgentStreamTarget {
  port: number;
  store: string;
}

/** Passes an upgrade request to the hub, or answers it (404 on another path, 503 without a hub). */
export function passAgentStream(request: IncomingMessage, socket: Duplex, head: Buffer, hub: AgentStreamTarget | null): void {
  socket.on('error', () => socket.destroy());
  if ((request.url ?? '').split('?')[0] !== AGENT_STREAM_PATH) {
    refuseUpgrade(socket, 404, `no WebSocket at ${(request.url ?? '').slice(0, 80)}`);
    return;
  }
  if (hub === null) {
    refuseUpgrade(socket, 503, 'this organiser serves no agent stream: use the HTTP calls');
    return;
  }
  request.headers[STORE_HEADER] = hub.store;
  const link = net.connect({ port: hub.port, host: '127.0.0.1' });
  let connected = false;
  const timeout = setTimeout(() => link.destroy(new Error('timeout')), CONNECT_TIMEOUT_MS);
  link.once('connect', () => {
    connected = true;
    clearTimeout(timeout);
    link.write(requestHead(request));
    if (head.length > 0) link.write(head);
    link.pipe(socket);
    socket.pipe(link);
  });
  link.on('error', () => {
    clearTimeout(timeout);
    if (!connected) refuseUpgrade(socket, 503, 'the organiser’s scheduler serves no agent stream now: use the HTTP calls');
    else socket.destroy();
  });
  link.on('close', () => socket.destroy());
  socket.on('close', () => link.destroy());
}
