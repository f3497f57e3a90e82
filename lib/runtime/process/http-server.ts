/**
 * The runtime's HTTP endpoint: `GET /health`, `GET /logs?team=&function=&after=&limit=` (a team's
 * function logs) and `GET /status` (per team and function: code, triggers, shard checkpoints, stats).
 */
import http from 'node:http';
import { z } from 'zod';
import { errorMessage, UnknownTeamError } from '@/lib/errors';
import { PIPELINE_FUNCTIONS, type PipelineFunction } from '@/lib/pipeline-resources';
import { DEFAULT_LOG_CAPACITY } from '../logs/log-buffer';
import type { LocalRuntime } from '../runtime';

const logsQuery = z
  .object({
    team: z.string({ error: 'team is required' }).min(1, 'team is required'),
    function: z.enum(PIPELINE_FUNCTIONS as [PipelineFunction, ...PipelineFunction[]]).optional(),
    after: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(DEFAULT_LOG_CAPACITY).optional(),
  })
  .strict();

function send(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(text);
}

function handleLogs(runtime: LocalRuntime, url: URL, response: http.ServerResponse): void {
  const parsed = logsQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message));
    send(response, 400, { error: `bad query: ${problems.join('; ')}` });
    return;
  }
  try {
    send(response, 200, { entries: runtime.logs(parsed.data) });
  } catch (error) {
    if (error instanceof UnknownTeamError) send(response, 404, { error: error.message });
    else throw error;
  }
}

export function createRuntimeServer(runtime: LocalRuntime): http.Server {
  return http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://runtime');
    if (request.method !== 'GET') {
      send(response, 405, { error: `${request.method} is not supported; use GET` });
      return;
    }
    try {
      if (url.pathname === '/health') send(response, 200, { ok: true });
      else if (url.pathname === '/logs') handleLogs(runtime, url, response);
      else if (url.pathname === '/status') send(response, 200, runtime.status());
      else send(response, 404, { error: `no such endpoint: ${url.pathname} (try /health, /logs, /status)` });
    } catch (error) {
      send(response, 500, { error: errorMessage(error) });
    }
  });
}
