/**
 * The web app's own server, over HTTP against the real process (lib/web/main.ts) with a real organiser
 * store on DynamoDB Local: bodies capped before they are read (413, chunked ones cut off), memory flat
 * under a stream of oversized bodies, client addresses from the connection, not from headers, and
 * idle keep-alive connections kept open longer than clients keep theirs; WebSocket upgrades answered
 * by this server, never by Next.js: the agent stream's passed to the scheduler on this machine (a
 * stand-in here: lib/agent-stream/pass-through.ts).
 */

import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { STORE_HEADER } from '@/lib/agent-stream/frames';
import { CLIENT_ADDRESS_HEADER } from '@/lib/api/client';
import { dynamoDbFixture } from '@/testing/fixtures';
import { organiserStoreFixture } from '@/testing/organiser-store';
import { jsonOf, webAppFixture } from '@/testing/web-app';

const SECRET = 'server-test-secret';
const db = dynamoDbFixture();
const store = organiserStoreFixture(db);
/** A stand-in for the scheduler's agent stream (lib/agent-stream/hub.ts): it accepts every upgrade, noting the headers the web server passed. */
const hubStandIn = new WebSocketServer({ host: '127.0.0.1', port: 0 });
await once(hubStandIn, 'listening');
const passedHeaders: http.IncomingHttpHeaders[] = [];
hubStandIn.on('connection', (socket, request) => {
  passedHeaders.push(request.headers);
  socket.close();
});
afterAll(() => new Promise((resolve) => hubStandIn.close(resolve)));
const web = webAppFixture(db, store, { secret: SECRET, env: { AGENT_STREAM_PORT: String((hubStandIn.address() as AddressInfo).port) } });

/** Streams `bytes` of zeros (with a Content-Length, or chunked) until the server answers; its status, or how the connection ended. */
function sendLarge(bytes: number, chunked: boolean, from = '127.0.0.1'): Promise<number | string> {
  return new Promise((resolve) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: web().port,
        method: 'POST',
        path: '/api/admin/session',
        localAddress: from,
        headers: { 'content-type': 'application/json', ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(bytes) }) },
      },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    const chunk = Buffer.alloc(64 * 1024);
    let sent = 0;
    const write = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!request.write(chunk)) return void request.once('drain', write);
      }
      request.end();
    };
    write();
  });
}

function residentMegabytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? Number.NaN) / 1024;
}

describe('request bodies', () => {
  it('accepts a chunked body within the cap, handing it to the route whole', async () => {
    const reply = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port: web().port,
          method: 'POST',
          path: '/api/admin/session',
          headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        },
        (response) => {
          let text = '';
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        },
      );
      request.on('error', reject);
      request.write('{"secret":');
      request.end(`"${SECRET}"}`);
    });
    expect(reply).toEqual({ status: 200, text: '{"organiser":true}' });
  });

  it('answers 413 with a sentence to a body over the cap, whether its length is declared or it is chunked', async () => {
    const declared = await web().send('POST', '/api/admin/teams', {
      body: Buffer.alloc(16 * 1024 + 1, 32),
      headers: { authorization: `Bearer ${SECRET}` },
    });
    expect(declared.status).toBe(413);
    expect(jsonOf(declared).error).toBe('body: this endpoint takes at most 16 KB; see docs/api.md');
    expect(await sendLarge(20 * 1024 * 1024, true)).toBe(413);
    expect(await sendLarge(20 * 1024 * 1024, false)).toBe(413);
    const small = await web().send('POST', '/api/admin/session', { body: { secret: 'x'.repeat(600) } });
    expect([small.status, jsonOf(small).error]).toEqual([400, expect.stringMatching(/^secret: /)]);
  });

  it('keeps its memory flat under a stream of oversized bodies', async () => {
    for (let warmUp = 0; warmUp < 10; warmUp++) await Promise.all([sendLarge(8 * 1024 * 1024, true), sendLarge(8 * 1024 * 1024, false)]);
    const before = residentMegabytes(web().pid);
    const statuses = new Map<number | string, number>();
    for (let round = 0; round < 100; round++) {
      for (const status of await Promise.all([sendLarge(8 * 1024 * 1024, true), sendLarge(8 * 1024 * 1024, false)])) {
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }
    const after = residentMegabytes(web().pid);
    expect(Object.fromEntries(statuses)).toEqual({ 413: 200 });
    // 200 bodies of 8 MB (1.6 GB) refused; had they been read, the process would hold gigabytes.
    expect(after - before, `resident memory ${before.toFixed(0)} MB before, ${after.toFixed(0)} MB after`).toBeLessThan(100);
  });
});

describe('client addresses', () => {
  it('throttles by the connection’s address, whatever X-Forwarded-For or the server’s own header claim', async () => {
    for (let guess = 0; guess < 6; guess++) {
      const reply = await web().send('POST', '/api/admin/session', {
        body: { secret: `guess-${guess}` },
        from: '127.0.0.21',
        headers: { 'x-forwarded-for': `198.51.100.${guess}`, 'x-scoreboard-client-address': `198.51.100.${guess}` },
      });
      expect(reply.status).toBe(401);
    }
    const throttled = await web().send('POST', '/api/admin/session', {
      body: { secret: SECRET },
      from: '127.0.0.21',
      headers: { 'x-forwarded-for': '198.51.100.99' },
    });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect((await web().send('POST', '/api/admin/session', { body: { secret: SECRET }, from: '127.0.0.22' })).status).toBe(200);
  });
});

describe('keep-alive connections', () => {
  it('keeps an idle connection open past 6 s, so a client reusing it is answered (not reset)', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
        const request = http.get({ host: '127.0.0.1', port: web().port, path: '/api/metrics', agent }, (response) => {
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode ?? 0, reused: request.reusedSocket }));
        });
        request.on('error', reject);
      });
    try {
      expect(await get()).toEqual({ status: 200, reused: false });
      await new Promise((resolve) => setTimeout(resolve, 6500));
      expect(await get()).toEqual({ status: 200, reused: true });
    } finally {
      agent.destroy();
    }
  });
});

describe('WebSocket upgrades', () => {
  /** An upgrade request to `path`: the status it was answered and the body's sentence, or how the connection ended. */
  function upgrade(path: string): Promise<{ status: number; error: string } | string> {
    return new Promise((resolve) => {
      const request = http.request({
        host: '127.0.0.1',
        port: web().port,
        path,
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
      });
      request.on('response', (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, error: (JSON.parse(body) as { error: string }).error }));
      });
      request.on('upgrade', () => resolve('upgraded'));
      request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      request.end();
    });
  }

  it('passes the agent stream to the scheduler on this machine and answers any other itself (404), also after Next.js served requests', async () => {
    expect((await web().send('GET', '/api/scoreboard')).status).toBe(200); // Next.js has handled a request on this server
    expect(await upgrade('/api/agent/stream')).toBe('upgraded');
    expect(passedHeaders.at(-1)).toMatchObject({
      [CLIENT_ADDRESS_HEADER]: expect.stringMatching(/127\.0\.0\.1$/),
      [STORE_HEADER]: expect.stringMatching(/\/Organiser-/),
    });
    expect(await upgrade('/_next/webpack-hmr')).toEqual({ status: 404, error: 'no WebSocket at /_next/webpack-hmr' });
  });
});
